// Preloaded into a service under test (`--expose-gc --import`): collects garbage every few
// milliseconds, so native objects such as SQLite statements are finalised while the process is
// busy. The collections run asynchronously, as a task outside any JavaScript call, which is how
// an idle-time GC finalises objects: a synchronous gc() from JavaScript would hide the crash class
// the embedded-under-gc test guards against (native destructors that need a current context).
const every = Number(process.env.GC_PRESSURE_INTERVAL_MS ?? 20);
if (typeof globalThis.gc !== 'function') throw new Error('gc-pressure needs node --expose-gc');
let major = false;
setInterval(() => {
  major = !major;
  globalThis.gc({ type: major ? 'major' : 'minor', execution: 'async' });
}, every).unref();
