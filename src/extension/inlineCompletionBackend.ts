// Adapts the completion engine's backend port onto the real model client: raw FIM prompts and the
// `suffix` dialect go to /v1/completions, the chat style to /v1/chat/completions, always as feature
// 'completion' so QPS and latency are counted for it. Plain Node: no 'vscode' here.
import type { CompletionBackend, ModelRequest } from '../completion/completionPorts';
import type { ModelClient } from '../model/modelClient';
import type { ModelProfile } from '../model/profiles';

export interface ModelClientBackendDeps {
  /** The client, created (and the openai SDK loaded) on the first request. */
  client: () => Promise<ModelClient>;
  /** The full profile completion uses now (the engine only knows a subset of it). */
  profile: () => ModelProfile;
}

export class ModelClientBackend implements CompletionBackend {
  constructor(private readonly deps: ModelClientBackendDeps) {}

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<string> {
    const client = await this.deps.client();
    const profile = this.deps.profile();
    const options = { signal, feature: 'completion' as const };
    const common = {
      stop: [...request.stop],
      maxTokens: request.maxTokens,
      temperature: request.temperature,
    };
    // The client ends the stream quietly when the signal aborts and throws ModelRequestError on
    // failure; the engine turns both into its single terminal event.
    const stream =
      request.apiStyle === 'chat'
        ? client.streamChat(
            profile,
            { messages: request.messages.map((m) => ({ ...m })), ...common },
            options,
          )
        : client.streamCompletion(
            profile,
            {
              prompt: request.prompt,
              ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
              ...common,
            },
            options,
          );
    for await (const chunk of stream) yield chunk;
  }
}
