// Reads a Yjs v1 update from stdin with the real `yjs` library and prints the board it holds
// as JSON: columns by rank, tasks by rank, with the fields a Tack client shows.
import * as Y from 'yjs';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const doc = new Y.Doc();
Y.applyUpdate(doc, new Uint8Array(Buffer.concat(chunks)));

const byRank = (a, b) => (a[1].get('rank') < b[1].get('rank') ? -1 : a[1].get('rank') > b[1].get('rank') ? 1 : a[0] < b[0] ? -1 : 1);
const columns = [...doc.getMap('columns').entries()].sort(byRank);
const tasks = [...doc.getMap('tasks').entries()];
const out = {
  title: doc.getMap('meta').get('title'),
  schema: doc.getMap('meta').get('schema'),
  columns: columns.map(([id, c]) => ({
    id,
    title: c.get('title'),
    wip: c.get('wip') ?? null,
    tasks: tasks
      .filter(([, t]) => t.get('column') === id && !t.get('archived'))
      .sort(byRank)
      .map(([tid, t]) => ({
        id: tid,
        title: t.get('title'),
        description: t.get('description').toString(),
        labels: [...t.get('labels').keys()].sort(),
        due: t.get('due') ?? null,
        checklist: t.get('checklist').toArray().map((i) => ({ text: i.get('text'), done: i.get('done') })),
        createdAt: t.get('createdAt'),
      })),
  })),
  // Root `comments` (DESIGN §1), read with nothing but Yjs: the task's shown conversation.
  comments: [...doc.getMap('comments').entries()]
    .filter(([, c]) => !c.get('deleted') && typeof c.get('body') === 'string')
    .map(([id, c]) => ({ id, task: c.get('task'), author: c.get('author'), body: c.get('body'), createdAt: c.get('createdAt') }))
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)),
};
process.stdout.write(JSON.stringify(out));
