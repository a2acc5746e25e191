'use strict';
// The server of the exactly-once campaign (tests/chaos): a loopback TLS server speaking HTTP/2
// and HTTP/1.1 (ALPN), which counts the create-job POSTs it processed per workflow id and
// misbehaves as each call's project_id asks. Started like tls_server.js, by
// tests/support/node_tls_server.cpp: it writes `port <n>` on stdout, answers each stdin line
// (`stats`, `counts`) with one JSON line, and exits when stdin closes.
//
// Options: --cert FILE --key FILE (PEM); --refused-port N, a loopback port that refuses
// connections, for redirects to another origin that cannot be reached. The options of
// tls_server.js that the launcher always passes are accepted and ignored.
//
// A call names its own workflow (wf-chaos-<n>) and says how to misbehave in its project id,
// `pc-<n>-<behaviour>-<k>`: the first k POSTs that arrive for the workflow get <behaviour>,
// later ones are processed and answered 200. Behaviours ("processed" means counted):
//   ok            processed, 200
//   goaway<d>     HTTP/2: a graceful GOAWAY whose last stream id is this stream's id - 2d: with
//                 d > 0 this stream and every later one of the session are refused, never
//                 processed (RFC 9113 6.8); d = 0 keeps this one. HTTP/1.1: processed, 200
//                 with Connection: close
//   refuse        HTTP/2: RST_STREAM REFUSED_STREAM, never processed. HTTP/1.1: 503
//   refuseclose   the same, then the connection is closed (HTTP/1.1: closed, no answer)
//   resetafter    processed, then the TCP connection is reset (RST), no answer
//   closeafter    processed, then the connection is closed (FIN), no answer
//   s503 s429     that status, never processed
//   s500          processed, then 500 (a server that failed after committing)
//   see<hop>      processed, 303 See Other to the job; the GET of the hop then fails k times
//                 with <hop> = 503, 429 or 500 and answers 200 after; <hop> = refused points
//                 the hop at --refused-port (another origin); <hop> = ok answers it at once.
//                 Every POST of such a call is processed and redirected (k counts GETs).
const fs = require('fs');
const http2 = require('http2');
const net = require('net');
const readline = require('readline');

const args = {refusedPort: 0};
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i];
  const value = process.argv[i + 1];
  if (name === '--cert') args.cert = value;
  else if (name === '--key') args.key = value;
  else if (name === '--refused-port') args.refusedPort = Number(value);
  else if (name === '--close') i--;
  else if (['--protocols', '--goaway-every', '--latency'].includes(name)) continue;
  else {
    process.stderr.write(`chaos_server.js: unknown option ${name}\n`);
    process.exit(2);
  }
}

const stats = {
  sessions: 0, resumed: 0, h2_sessions: 0, streams: 0, goaways: 0, refused: 0, requests_h2: 0,
  requests_http1: 0, processed: 0, duplicates: 0, max_open_sessions: 0,
  applied: {},  // behaviour -> times it was applied to a POST (or a hop)
};
const processedBy = new Map();  // workflow id -> create-job POSTs processed
const arrivals = new Map();     // workflow id -> create-job POSTs arrived
const jobs = new Map();         // job id -> {workflow, project, hop, failuresLeft}
const goawayLast = new WeakMap();   // HTTP/2 session -> last stream id of its GOAWAY
const committedUpTo = new WeakMap();  // HTTP/2 session -> highest stream id it processed
const tcpOf = new Map();            // remote port -> the TLS socket
const frontOf = new Map();          // the TLS server's remote port -> the client's TCP socket
let open = 0;
let nextJob = 0;
let waitingForCounts = [];

function applied(name) {
  stats.applied[name] = (stats.applied[name] || 0) + 1;
}

function sessionOf(req) {
  return req.httpVersionMajor === 2 ? req.stream.session : null;
}

// The TLS socket a request came on. An HTTP/2 session only hands out a proxy of its socket
// that forbids destroying it, so sockets are looked up by their remote port.
function tlsSocketOf(req) {
  const session = sessionOf(req);
  return session ? tcpOf.get(session.socket.remotePort) : req.socket;
}

// RST, not FIN, on the client's TCP connection. Node cannot reset the TCP socket under a TLS
// socket (resetting it under TLSWrap corrupts Node's heap), so the TLS server sits behind a
// plain TCP relay in this process (below) and the relay's socket is reset.
function resetConnection(req) {
  const socket = tlsSocketOf(req);
  if (!socket) return;
  const front = frontOf.get(socket.remotePort);
  if (front && !front.destroyed) front.resetAndDestroy();
  const session = sessionOf(req);
  if (session) session.destroy();
  else socket.destroy();
}

function closeConnection(req) {
  const session = sessionOf(req);
  if (session) session.destroy();
  else req.socket.destroy();
}

function refuseStream(req) {
  stats.refused++;
  req.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
}

function answer(res, status, body, headers = {}) {
  res.writeHead(status, {'content-type': 'application/json; charset=utf-8', ...headers});
  res.end(body);
}

function errorBody(code) {
  return JSON.stringify({error: {code, message: `chaos ${code}`}});
}

function commit(workflow, project) {
  stats.processed++;
  const before = processedBy.get(workflow) || 0;
  if (before > 0) stats.duplicates++;
  processedBy.set(workflow, before + 1);
  const id = `job-${++nextJob}`;
  return {id, body: JSON.stringify({id, status: 'queued', workflow_id: workflow, created_by: project})};
}

function create(req, res, workflow, project) {
  const arrived = (arrivals.get(workflow) || 0) + 1;
  arrivals.set(workflow, arrived);
  const plan = /^pc-\d+-([a-z0-9]+)-(\d+)$/.exec(project);
  const name = plan ? plan[1] : 'ok';
  const times = plan ? Number(plan[2]) : 0;
  const h2 = req.httpVersionMajor === 2;
  const seeOther = /^see(.+)$/.exec(name);
  const behaviour = seeOther || arrived <= times ? name : 'ok';
  if (behaviour !== 'ok') applied(behaviour);

  // A GOAWAY is a promise, kept for requests that arrived before it and are only now read
  // to their end: none above its last stream id is processed.
  const ownSession = h2 ? sessionOf(req) : null;
  if (ownSession && goawayLast.has(ownSession) && req.stream.id > goawayLast.get(ownSession)) {
    return refuseStream(req);
  }
  const goaway = /^goaway(\d+)$/.exec(behaviour);
  if (goaway && h2) {
    const session = sessionOf(req);
    // Never below a stream already processed: a GOAWAY whose last stream id is below one the
    // server processed would be a lie (RFC 9113, 6.8) that no client can see through.
    const last = Math.max(0, req.stream.id - 2 * Number(goaway[1]),
                          committedUpTo.get(session) || 0);
    if (!goawayLast.has(session)) {
      stats.goaways++;
      goawayLast.set(session, last);
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, last);
      setImmediate(() => doneIfIdle(session));
    }
    if (req.stream.id > goawayLast.get(session)) return refuseStream(req);
  }
  switch (behaviour) {
    case 'refuse':
      if (h2) return refuseStream(req);
      return answer(res, 503, errorBody('refused'));
    case 'refuseclose':
      if (h2) {
        refuseStream(req);
        setImmediate(() => closeConnection(req));
        return;
      }
      return closeConnection(req);
    case 's503':
      return answer(res, 503, errorBody('unavailable'));
    case 's429':
      return answer(res, 429, errorBody('rate_limited'));
    default:
      break;
  }
  const job = commit(workflow, project);
  if (ownSession) {
    committedUpTo.set(ownSession, Math.max(committedUpTo.get(ownSession) || 0, req.stream.id));
  }
  if (seeOther) {
    jobs.set(job.id, {workflow, project, hop: seeOther[1], failuresLeft: times});
    const path = `/v0/workflows/${encodeURIComponent(workflow)}/jobs/${job.id}`;
    const location = seeOther[1] === 'refused' ?
        `https://127.0.0.1:${args.refusedPort}${path}` : path;
    return answer(res, 303, '', {location});
  }
  switch (behaviour) {
    case 'resetafter':
      return resetConnection(req);
    case 'closeafter':
      return closeConnection(req);
    case 's500':
      return answer(res, 500, errorBody('internal'));
    default:
      return answer(res, 200, job.body, goaway && !h2 ? {connection: 'close'} : {});
  }
}

function hop(req, res, jobId) {
  const job = jobs.get(jobId);
  if (!job) return answer(res, 404, errorBody('not_found'));
  if (job.failuresLeft > 0 && ['503', '429', '500'].includes(job.hop)) {
    job.failuresLeft--;
    applied(`hop${job.hop}`);
    return answer(res, Number(job.hop), errorBody(`hop_${job.hop}`));
  }
  answer(res, 200, JSON.stringify({
    id: jobId, status: 'queued', workflow_id: job.workflow, created_by: job.project,
  }));
}

function handle(req, res) {
  const session = sessionOf(req);
  // A GOAWAY is a promise: no stream above its last stream id is processed.
  if (session && goawayLast.has(session) && req.stream.id > goawayLast.get(session)) {
    return refuseStream(req);
  }
  if (session) stats.requests_h2++;
  else stats.requests_http1++;
  const url = new URL(req.url, 'https://127.0.0.1');
  req.resume();
  req.on('end', () => {
    let match = /^\/v0\/workflows\/([^/]+)\/jobs$/.exec(url.pathname);
    if (req.method === 'POST' && match) {
      return create(req, res, decodeURIComponent(match[1]), url.searchParams.get('project_id') || '');
    }
    match = /^\/v0\/workflows\/[^/]+\/jobs\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) return hop(req, res, match[1]);
    answer(res, 404, errorBody('not_found'));
  });
}

const server = http2.createSecureServer({
  cert: fs.readFileSync(args.cert),
  key: fs.readFileSync(args.key),
  allowHTTP1: true,
  settings: {maxConcurrentStreams: 1000},
}, handle);
server.on('session', (session) => {
  stats.h2_sessions++;
  // A client that breaks the session mid-frame is part of the campaign, not a crash.
  session.on('error', () => {});
});
// After its GOAWAY, Node reads no more of a session, so it never sees the client's FIN: the
// session is done, for `counts`, once the streams it kept have closed.
function doneIfIdle(session) {
  if (!goawayLast.has(session) || (session.chaosStreams || 0) > 0 || session.destroyed) return;
  const socket = session.socket && tcpOf.get(session.socket.remotePort);
  const done = socket && socket._parent && socket._parent.chaosDone;
  if (done) done();
}

server.on('stream', (stream) => {
  stats.streams++;
  const session = stream.session;
  session.chaosStreams = (session.chaosStreams || 0) + 1;
  stream.on('error', () => {});
  stream.on('close', () => {
    session.chaosStreams--;
    doneIfIdle(session);
  });
});
// A connection is done once the client's side of it has ended: everything it sent has been
// read by then. Waiting for 'close' would wait for ever on a session that Node keeps
// half-open after the client's FIN.
server.on('connection', (socket) => {
  open++;
  let live = true;
  socket.chaosDone = () => {
    if (!live) return;
    live = false;
    open--;
    setImmediate(() => flushCounts(false));
  };
  socket.on('error', () => {});
  socket.on('close', socket.chaosDone);
});
server.on('secureConnection', (socket) => {
  stats.sessions++;
  if (socket.isSessionReused()) stats.resumed++;
  stats.max_open_sessions = Math.max(stats.max_open_sessions, open);
  const port = socket.remotePort;
  tcpOf.set(port, socket);
  const done = socket._parent && socket._parent.chaosDone;
  if (done) {
    socket.on('end', done);
    socket.on('close', done);
  }
  socket.on('error', () => {});
  socket.on('close', () => {
    if (tcpOf.get(port) === socket) tcpOf.delete(port);
  });
});
server.on('tlsClientError', () => {});
server.on('sessionError', () => {});

// `counts` is answered once no connection is open (or after 5 s), so that a request that
// reached a socket before the client gave up has been processed, and counted, by then.
function flushCounts(force) {
  if (waitingForCounts.length === 0 || (open > 0 && !force)) return;
  const waiting = waitingForCounts;
  waitingForCounts = [];
  for (const timer of waiting) clearTimeout(timer);
  const line = JSON.stringify({open, counts: Object.fromEntries(processedBy)}) + '\n';
  for (let i = 0; i < waiting.length; i++) process.stdout.write(line);
}

// The relay the clients connect to: bytes pass unchanged to the TLS server, and each
// connection's plain TCP socket is kept for resetConnection().
const relay = net.createServer({noDelay: true}, (client) => {
  const inner = net.connect({host: '127.0.0.1', port: server.address().port, noDelay: true});
  let port = 0;
  inner.on('connect', () => {
    port = inner.localPort;
    frontOf.set(port, client);
  });
  client.pipe(inner);
  inner.pipe(client);
  const forget = () => {
    if (port && frontOf.get(port) === client) frontOf.delete(port);
  };
  client.on('error', () => inner.destroy());
  inner.on('error', () => client.destroy());
  client.on('close', () => {
    forget();
    inner.destroy();
  });
  inner.on('close', () => {
    forget();
    client.destroy();
  });
});

server.listen(0, '127.0.0.1', 1024, () => {
  relay.listen(0, '127.0.0.1', 1024, () => {
    process.stdout.write(`port ${relay.address().port}\n`);
  });
});

const input = readline.createInterface({input: process.stdin});
input.on('line', (line) => {
  const command = line.trim();
  if (command === 'stats') {
    process.stdout.write(JSON.stringify(stats) + '\n');
  } else if (command === 'counts') {
    waitingForCounts.push(setTimeout(() => flushCounts(true), 5000));
    flushCounts(false);
  }
});
input.on('close', () => process.exit(0));
