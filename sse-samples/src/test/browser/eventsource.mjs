// The same event checks with the npm eventsource package, a spec-compliant client outside the browser.
// usage: node eventsource.mjs <url> <stopEvent> <stopCount> [lastEventId]
// Collects every event (type, data, lastEventId) until stopCount events of type stopEvent arrived;
// prints them as JSON.
import { EventSource } from 'eventsource';

const [url, stopEvent, stopCount, lastEventId] = process.argv.slice(2);
let stops = 0;
const events = [];
const types = ['message', 'update', 'done', 'token', 'progress', 'quote', 'notification', 'greeting', 'data', 'log', 'metrics'];
const es = new EventSource(url, {
  fetch: (input, init) => fetch(input, {
    ...init,
    headers: { ...init.headers, ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
  }),
});
const timer = setTimeout(() => { console.error('timeout; got ' + JSON.stringify(events)); process.exit(1); }, 20000);
for (const type of types) {
  es.addEventListener(type, (e) => {
    events.push({ type, data: e.data, id: e.lastEventId });
    if (type === stopEvent && ++stops >= parseInt(stopCount)) {
      es.close();
      clearTimeout(timer);
      console.log(JSON.stringify(events));
      process.exit(0);
    }
  });
}
es.onerror = (e) => {
  if (es.readyState === EventSource.CLOSED) {
    console.error('closed: ' + (e && e.message));
    process.exit(1);
  }
};
