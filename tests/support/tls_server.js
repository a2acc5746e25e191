'use strict';
// A loopback TLS test server for the SDK's HTTP/2 and HTTPS/1.1 tests and benchmarks, started
// by tests/support/node_tls_server.cpp. It listens on 127.0.0.1 on a free port and writes
// `port <n>` on stdout; then each line `stats` on stdin is answered with one JSON line of
// counts on stdout. It exits when stdin closes, so a dead parent leaves no server behind.
//
// Options:
//   --cert FILE --key FILE     the server's certificate chain and key (PEM)
//   --protocols h2|http1.1     h2: ALPN offers h2 and http/1.1; http1.1: only http/1.1
//   --goaway-every N           on the Nth stream of a session, send a graceful GOAWAY whose
//                              last stream id is the stream before it: the Nth stream and
//                              every later one are refused (never processed), as RFC 9113
//                              section 6.8 says
//   --close                    HTTP/1.1: answer with `Connection: close` (a new TLS
//                              connection, and so a resumption, per request)
//   --latency MS               answer each request that long after it arrived
//   --plan PLAN                what to do with each request of a method, in turn, e.g.
//                              "GET:ok,refuse,ok-close;POST:drop-after-process": `ok`
//                              answers; `refuse` refuses the stream (RST_STREAM
//                              REFUSED_STREAM, HTTP/2 only: never processed); `ok-close`
//                              answers and then closes the connection; `drop-after-process`
//                              processes a POST and closes the connection without an
//                              answer. Requests past the end of their list are answered.
//
// It answers POST /v0/workflows/{w}/jobs?project_id={p} with a job, and counts each
// project_id it processed: a client that gives every call its own project_id can check that
// each call was processed exactly once.
const fs = require('fs');
const http2 = require('http2');
const https = require('https');
const readline = require('readline');

const args = {protocols: 'h2', goawayEvery: 0, latency: 0, plan: {}};
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i];
  const value = process.argv[i + 1];
  if (name === '--cert') args.cert = value;
  else if (name === '--key') args.key = value;
  else if (name === '--protocols') args.protocols = value;
  else if (name === '--goaway-every') args.goawayEvery = Number(value);
  else if (name === '--latency') args.latency = Number(value);
  else if (name === '--plan') {
    for (const part of value.split(';').filter((p) => p)) {
      const [method, actions] = part.split(':');
      args.plan[method] = actions.split(',');
    }
  }
  else if (name === '--close') {
    args.close = true;
    i--;
  }
  else {
    process.stderr.write(`tls_server.js: unknown option ${name}\n`);
    process.exit(2);
  }
}

const stats = {
  sessions: 0,          // TLS connections accepted
  resumed: 0,           // of them, handshakes that resumed an earlier TLS session
  h2_sessions: 0,       // HTTP/2 sessions
  streams: 0,           // HTTP/2 streams the server accepted (refused ones too)
  goaways: 0,           // graceful GOAWAY frames sent (each refusing one stream or more)
  refused: 0,           // streams refused (RST_STREAM REFUSED_STREAM) for being above one
  requests_h2: 0,       // requests answered over HTTP/2
  requests_http1: 0,    // requests answered over HTTP/1.x
  processed: 0,         // create-job requests processed
  duplicates: 0,        // create-job requests whose project_id had been processed before
  max_open_sessions: 0, // most TLS connections open at once
};
const seen = new Set();
let open = 0;
// For --plan: how many requests of each method came.
const planCount = {};

function planned(req) {
  const list = args.plan[req.method];
  if (!list) return 'ok';
  const n = planCount[req.method] = (planCount[req.method] || 0) + 1;
  return list[n - 1] || 'ok';
}

// Ends the connection without an answer. Not with a TCP reset: resetting the socket under
// Node's TLS layer can corrupt Node's heap; to the client, a close before any answer byte is
// the same "no answer" (libcurl treats both alike when it decides on a resend).
function dropConnection(req) {
  if (req.httpVersionMajor === 2) req.stream.session.destroy();
  else req.socket.destroy();
}

// Closes the connection once `res` is answered (the stream forgets its session by then).
function closeAfter(req, res) {
  if (req.httpVersionMajor === 2) {
    const session = req.stream.session;
    res.on('finish', () => session.close());
  } else {
    res.on('finish', () => req.socket.end());
  }
}

const tls = {
  cert: fs.readFileSync(args.cert),
  key: fs.readFileSync(args.key),
};

// Streams seen per HTTP/2 session, for --goaway-every.
const streamsOf = new WeakMap();

// Whether `req` is the stream that ends its session: then a graceful GOAWAY goes out whose last
// stream id is the stream before it, so that this stream and every later one the client sent
// are refused, never processed (RFC 9113 section 6.8). The client closes the connection once
// the streams below it are answered. (Node's session.close() here would be the server closing
// it instead, but Node 20 then drops the DATA of streams still being answered: empty 200s.)
function refuse(req) {
  if (args.goawayEvery <= 0 || req.httpVersionMajor !== 2) return false;
  const session = req.stream.session;
  const state = streamsOf.get(session) || {seen: 0, lastStream: -1};
  streamsOf.set(session, state);
  if (state.lastStream < 0 && ++state.seen === args.goawayEvery) {
    stats.goaways++;
    state.lastStream = req.stream.id - 2;
    session.goaway(http2.constants.NGHTTP2_NO_ERROR, state.lastStream);
  }
  // A GOAWAY is a promise: no stream above its last stream id is processed, even one that had
  // already arrived.
  if (state.lastStream < 0 || req.stream.id <= state.lastStream) return false;
  stats.refused++;
  req.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  return true;
}

function handle(req, res) {
  if (refuse(req)) return;
  const action = planned(req);
  if (action === 'refuse' && req.httpVersionMajor === 2) {
    stats.refused++;
    req.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    return;
  }
  if (action === 'ok-close') closeAfter(req, res);
  if (req.httpVersionMajor === 2) stats.requests_h2++;
  else stats.requests_http1++;
  const url = new URL(req.url, 'https://127.0.0.1');
  const match = /^\/v0\/workflows\/([^/]+)\/jobs$/.exec(url.pathname);
  const job = /^\/v0\/workflows\/([^/]+)\/jobs\/([^/]+)$/.exec(url.pathname);
  req.resume();
  req.on('end', () => {
    if (req.method === 'GET' && job) {
      res.writeHead(200, {'content-type': 'application/json; charset=utf-8'});
      res.end(JSON.stringify({id: job[2], status: 'running', workflow_id: job[1]}));
      return;
    }
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, {'content-type': 'application/json'});
      res.end('{"error":{"code":"not_found","message":"no such route"}}');
      return;
    }
    const project = url.searchParams.get('project_id') || '';
    stats.processed++;
    if (seen.has(project)) stats.duplicates++;
    seen.add(project);
    if (action === 'drop-after-process') {
      dropConnection(req);
      return;
    }
    const body = JSON.stringify({
      id: `job-${stats.processed}`, status: 'queued', workflow_id: match[1], created_by: project,
    });
    const answer = () => {
      if (args.close && req.httpVersionMajor === 1) res.setHeader('connection', 'close');
      res.writeHead(200, {'content-type': 'application/json; charset=utf-8'});
      res.end(body);
    };
    if (args.latency > 0) setTimeout(answer, args.latency);
    else answer();
  });
}

let server;
if (args.protocols === 'h2') {
  server = http2.createSecureServer(
      {...tls, allowHTTP1: true, settings: {maxConcurrentStreams: 1000}}, handle);
  server.on('session', () => stats.h2_sessions++);
  server.on('stream', () => stats.streams++);
} else if (args.protocols === 'http1.1') {
  server = https.createServer({...tls, ALPNProtocols: ['http/1.1']}, handle);
  server.keepAliveTimeout = 60000;
} else {
  process.stderr.write(`tls_server.js: unknown protocols ${args.protocols}\n`);
  process.exit(2);
}

server.on('secureConnection', (socket) => {
  stats.sessions++;
  if (socket.isSessionReused()) stats.resumed++;
  open++;
  stats.max_open_sessions = Math.max(stats.max_open_sessions, open);
  socket.on('close', () => open--);
});
server.on('tlsClientError', () => {});


server.listen(0, '127.0.0.1', 1024, () => {
  process.stdout.write(`port ${server.address().port}\n`);
});

const input = readline.createInterface({input: process.stdin});
input.on('line', (line) => {
  if (line.trim() === 'stats') process.stdout.write(JSON.stringify(stats) + '\n');
});
input.on('close', () => process.exit(0));
