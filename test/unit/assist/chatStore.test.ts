// Conversation storage on a real folder: titles, list order, rename, delete, atomic writes and corrupt files.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatStore, titleFrom, UNTITLED } from '../../../src/assist/chatStore';

describe('chat store', () => {
  let folder: string;
  let clock: number;
  let ids: number;
  let problems: string[];
  let store: ChatStore;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'aegis-chat-'));
    clock = 1_000;
    ids = 0;
    problems = [];
    store = new ChatStore(join(folder, 'chat'), {
      now: () => clock,
      newId: () => `conv-${++ids}`,
      onProblem: (m) => problems.push(m),
    });
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  async function saved(question: string): Promise<string> {
    const conversation = store.create();
    conversation.messages.push({ id: 'q1', role: 'user', text: question, createdAt: clock });
    conversation.messages.push({
      id: 'a1',
      role: 'assistant',
      text: 'answer',
      createdAt: clock,
      status: 'complete',
    });
    clock += 10;
    await store.save(conversation);
    return conversation.id;
  }

  it('titles a conversation from its first question and lists the newest first', async () => {
    const first = await saved('  \nWhy does the cart total\n round down?');
    const second = await saved(`How do I ${'really '.repeat(20)}test this?`);
    const list = await store.list();
    assert.deepEqual(
      list.map((s) => s.id),
      [second, first],
    );
    assert.equal(list[1]?.title, 'Why does the cart total');
    assert.ok((list[0]?.title.length ?? 0) <= 60);
    assert.ok(list[0]?.title.endsWith('…'));
    assert.equal(list[0]?.messageCount, 2);
  });

  it('does not list a conversation that has no messages yet', async () => {
    await store.save(store.create());
    assert.deepEqual(await store.list(), []);
  });

  it('reopens exactly what was saved', async () => {
    const id = await saved('What is a monad?');
    const opened = await store.open(id);
    assert.equal(opened?.messages[0]?.text, 'What is a monad?');
    assert.equal(opened?.messages[1]?.status, 'complete');
  });

  it('keeps a name the user gave, even after more messages', async () => {
    const id = await saved('first question');
    await store.rename(id, '  Cart   rounding ');
    const conversation = await store.open(id);
    assert.ok(conversation);
    conversation.messages.push({ id: 'q2', role: 'user', text: 'follow-up', createdAt: clock });
    await store.save(conversation);
    assert.equal((await store.open(id))?.title, 'Cart rounding');
  });

  it('deletes a conversation', async () => {
    const id = await saved('to be deleted');
    assert.equal(await store.delete(id), true);
    assert.equal(await store.open(id), undefined);
    assert.deepEqual(await store.list(), []);
    assert.equal(await store.delete(id), false);
  });

  it('refuses ids that could leave the folder', async () => {
    assert.equal(await store.open('../../etc/passwd'), undefined);
    assert.equal(await store.delete('../chat'), false);
  });

  it('moves a corrupt file aside and still lists the others', async () => {
    const good = await saved('a good one');
    await writeFile(join(folder, 'chat', 'broken-1.json'), '{"version":1,"id":"broken-1","messages":[{');
    await writeFile(
      join(folder, 'chat', 'wrong-1.json'),
      JSON.stringify({
        version: 1,
        id: 'wrong-1',
        title: 't',
        createdAt: 1,
        updatedAt: 1,
        messages: [{ role: 'system' }],
      }),
    );
    const list = await store.list();
    assert.deepEqual(
      list.map((s) => s.id),
      [good],
    );
    const files = await readdir(join(folder, 'chat'));
    assert.ok(files.some((f) => f.startsWith('broken-1.corrupt-')));
    assert.ok(files.some((f) => f.startsWith('wrong-1.corrupt-')));
    assert.ok(!files.includes('broken-1.json'));
    assert.equal(problems.length, 2);
    // What was moved aside is kept as it was, for the user to recover by hand.
    const aside = files.find((f) => f.startsWith('broken-1.corrupt-')) ?? '';
    assert.equal(
      await readFile(join(folder, 'chat', aside), 'utf8'),
      '{"version":1,"id":"broken-1","messages":[{',
    );
  });

  it('leaves no temporary files behind and keeps the last of concurrent saves', async () => {
    const conversation = store.create();
    conversation.messages.push({ id: 'q1', role: 'user', text: 'v0', createdAt: 1 });
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      conversation.messages[0] = { id: 'q1', role: 'user', text: `v${i}`, createdAt: 1 };
      saves.push(store.save(structuredClone(conversation)));
    }
    await Promise.all(saves);
    assert.equal((await store.open(conversation.id))?.messages[0]?.text, 'v20');
    assert.deepEqual(await readdir(join(folder, 'chat')), [`${conversation.id}.json`]);
  });

  it('makes titles from the first non-empty line', () => {
    assert.equal(titleFrom('\n\n  /fix   the   null check \nmore'), '/fix the null check');
    assert.equal(titleFrom('   '), UNTITLED);
  });
});
