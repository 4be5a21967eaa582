// One EventSource per example, exactly as the BoxLang docs' client code: addEventListener per event
// type, JSON.parse(e.data) for objects. onmessage must never throw on connect: the starter never
// sends an empty event when a stream opens.
function $(id) { return document.getElementById(id); }
const open = {};
function connect(name, url) {
  if (open[name]) open[name].close();
  const es = new EventSource(url);
  open[name] = es;
  return es;
}
async function postJson(url, body) {
  const headers = { 'Content-Type': 'application/json' };
  // The secure profile: Spring Security's CSRF token, from its XSRF-TOKEN cookie.
  const xsrf = document.cookie.split('; ').find((c) => c.startsWith('XSRF-TOKEN='));
  if (xsrf) headers['X-XSRF-TOKEN'] = decodeURIComponent(xsrf.substring('XSRF-TOKEN='.length));
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return response.json();
}

// 1. Basic
$('basic-start').onclick = () => {
  $('basic-log').textContent = '';
  const es = connect('basic', '/api/basic');
  es.onmessage = (e) => { $('basic-log').textContent += 'message: ' + e.data + '\n'; };
  es.addEventListener('update', (e) => {
    const data = JSON.parse(e.data);
    $('basic-log').textContent += 'update: ' + data.status + ' ' + data.progress + '%\n';
  });
  es.addEventListener('done', (e) => {
    $('basic-log').textContent += 'done: complete=' + JSON.parse(e.data).complete + '\n';
    es.close();
  });
};

// 2. AI tokens
$('ai-start').onclick = () => {
  $('ai-text').textContent = '';
  $('ai-status').textContent = 'streaming…';
  const es = connect('ai', '/api/ai/stream?prompt=' + encodeURIComponent($('ai-prompt').value));
  es.addEventListener('token', (e) => { $('ai-text').textContent += e.data; });
  es.addEventListener('done', (e) => {
    $('ai-status').textContent = 'Complete! Total tokens: ' + JSON.parse(e.data).total;
    es.close();
  });
};

// 3. Cross-origin: the same page, served from the other host name.
$('cors-allowed').href = 'http://localhost:' + location.port + '/cors.html';
$('cors-denied').href = 'http://127.0.0.1:' + location.port + '/cors.html';

// 4. Dashboard
let dashUpdates = 0;
$('dashboard-start').onclick = () => {
  const es = connect('dashboard', '/api/dashboard/stream');
  // As in the docs' client code: would throw if a stream ever opened with an empty event.
  es.onmessage = (e) => { console.log('message', JSON.parse(e.data)); };
  es.addEventListener('metrics', (e) => {
    const m = JSON.parse(e.data);
    $('dash-cpu').textContent = m.cpu + '% CPU';
    $('dash-heap').textContent = m.heapUsedMb + ' MB';
    $('dash-threads').textContent = m.liveThreads + ' threads';
    $('dash-requests').textContent = m.requests + ' requests';
    $('dash-updates').textContent = (++dashUpdates) + ' updates';
  });
};

// 5. Progress
$('progress-start').onclick = () => {
  $('progress-bar').value = 0;
  $('progress-step').textContent = '';
  const es = connect('progress', '/api/progress');
  es.addEventListener('progress', (e) => {
    const p = JSON.parse(e.data);
    $('progress-bar').value = p.progress;
    $('progress-step').textContent = p.step + '/' + p.total + ': ' + p.task;
  });
  es.addEventListener('done', () => { $('progress-step').textContent += ' (done)'; es.close(); });
};

// 6. Logs
$('logs-start').onclick = () => {
  $('logs-lines').textContent = '';
  const es = connect('logs', '/api/logs/stream');
  es.addEventListener('log', (e) => {
    const entry = JSON.parse(e.data);
    $('logs-lines').textContent += entry.timestamp + ' ' + entry.level + ' ' + entry.message + '\n';
  });
};
$('logs-write').onclick = () => postJson('/api/logs', { level: 'WARN', message: $('logs-message').value });

// 7. Notifications
$('notify-connect').onclick = () => {
  $('notify-list').textContent = '';
  const es = connect('notify', '/api/notifications/stream?user=' + encodeURIComponent($('notify-user').value));
  es.addEventListener('notification', (e) => {
    const n = JSON.parse(e.data);
    $('notify-list').textContent += '[' + n.type + '] ' + n.title + ': ' + n.message + '\n';
  });
};
$('notify-send').onclick = () => postJson('/api/notifications?user=' + encodeURIComponent($('notify-to').value),
  { type: 'info', title: $('notify-title').value, message: 'sent at ' + new Date().toLocaleTimeString() });

// 8. Chat: EventSource resends the last id on reconnect; a reloaded page passes it on itself.
$('chat-join').onclick = () => {
  $('chat-log').textContent = '';
  const channel = $('chat-channel').value;
  const key = 'chat-last-id:' + channel;
  const last = sessionStorage.getItem(key);
  const es = connect('chat', '/api/chat/' + encodeURIComponent(channel) + '/stream' + (last ? '?lastEventId=' + encodeURIComponent(last) : ''));
  es.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    $('chat-log').textContent += m.user + ': ' + m.text + '\n';
    sessionStorage.setItem(key, e.lastEventId);
  });
};
$('chat-send').onclick = () => postJson('/api/chat/' + encodeURIComponent($('chat-channel').value),
  { user: $('chat-user').value, text: $('chat-text').value });

// 9. Quotes
let quoteCount = 0;
$('quotes-start').onclick = () => {
  $('quotes-body').textContent = '';
  const es = connect('quotes', '/api/quotes/stream?symbols=' + encodeURIComponent($('quotes-symbols').value));
  es.addEventListener('quote', (e) => {
    const q = JSON.parse(e.data);
    let row = document.getElementById('quote-' + q.symbol);
    if (!row) {
      row = document.createElement('tr');
      row.id = 'quote-' + q.symbol;
      $('quotes-body').appendChild(row);
    }
    const cls = q.change >= 0 ? 'up' : 'down';
    row.innerHTML = '<td>' + q.symbol + '</td><td class="price">' + q.price.toFixed(2) + '</td><td class="' + cls + '">'
      + q.change.toFixed(2) + '</td><td class="' + cls + '">' + q.percentChange.toFixed(2) + '</td>';
    $('quotes-updates').textContent = (++quoteCount) + ' quotes';
  });
};
