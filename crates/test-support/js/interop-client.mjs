// A stock JavaScript Yjs client driven by a Rust interop test.
//
//   node interop-client.mjs <yws|hocuspocus-3|hocuspocus-4> <url> <board> <token>
//
// yws:          y-websocket's WebsocketProvider on `<url>/<board>?token=<token>`.
// hocuspocus-3: @hocuspocus/provider 3.x's HocuspocusProvider on `<url>` (document name = board).
// hocuspocus-4: the same with @hocuspocus/provider 4.x.
// (package.json installs both provider lines side by side under npm aliases.)
//
// Both edit map "m" of a fresh Y.Doc. Commands arrive on stdin, one JSON object a line:
//   {"set": ["k1", "k2"]}   set each key (value "js:<key>") in its own transaction
//   {"exit": true}          destroy the provider and exit
// Events go to stdout, one JSON object a line:
//   {"event":"sent"|"recv","hex":"..."}          every WebSocket frame, both ways
//   {"event":"status","status":"connected"}        connection status changes
//   {"event":"authenticated","scope":"read-write"} / {"event":"authenticationFailed","reason":...}
//   {"event":"synced"}                              first Step2 received
//   {"event":"state","keys":[...]}                  map "m"'s keys, whenever they change
//   {"event":"unsynced","number":n}                 HocuspocusProvider.unsyncedChanges changes
//   {"event":"set-done","unsynced":n}               after a "set" command
//   {"event":"close","code":c,"reason":r}           the socket closed
//   {"event":"exception","message":...}             an uncaught exception in the library
//   {"event":"console-error","message":...}         the library called console.error (provider
//                                                   4.x logs there what 3.x throws, e.g. a
//                                                   message type it cannot apply)
// An uncaught exception is reported (as a browser console would show it) and the client
// carries on, so the test can show what happened next.

import { createInterface } from 'node:readline'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const HOCUSPOCUS_PACKAGES = {
  'hocuspocus-3': 'hocuspocus-provider-3',
  'hocuspocus-4': 'hocuspocus-provider-4'
}

const [kind, url, board, token] = process.argv.slice(2)
if (!kind || !url || !board || token === undefined) {
  process.stderr.write('usage: node interop-client.mjs <yws|hocuspocus-3|hocuspocus-4> <url> <board> <token>\n')
  process.exit(2)
}

const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n')

process.on('uncaughtException', (error) => {
  emit({ event: 'exception', message: String((error && error.stack) || error) })
})
process.on('unhandledRejection', (error) => {
  emit({ event: 'exception', message: String((error && error.stack) || error) })
})
console.error = (...args) => {
  emit({ event: 'console-error', message: args.map(String).join(' ') })
}

const hex = (data) => {
  if (typeof data === 'string') return Buffer.from(data, 'utf8').toString('hex')
  if (Array.isArray(data)) return Buffer.concat(data).toString('hex')
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data)).toString('hex')
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')
}

/** The `ws` WebSocket, logging every frame (registered before the library's own listeners). */
class LoggingWebSocket extends WebSocket {
  constructor (address, protocols, options) {
    super(address, protocols, options)
    this.addEventListener('message', (event) => emit({ event: 'recv', hex: hex(event.data) }))
    this.addEventListener('close', (event) =>
      emit({ event: 'close', code: event.code, reason: String(event.reason) })
    )
  }

  send (data, ...rest) {
    emit({ event: 'sent', hex: hex(data) })
    return super.send(data, ...rest)
  }
}

const doc = new Y.Doc()
const map = doc.getMap('m')
let lastKeys = null
const reportState = () => {
  const keys = Array.from(map.keys()).sort()
  const joined = JSON.stringify(keys)
  if (joined !== lastKeys) {
    lastKeys = joined
    emit({ event: 'state', keys })
  }
}
map.observe(reportState)

let provider
let unsynced = () => 0
if (kind === 'yws') {
  provider = new WebsocketProvider(url, board, doc, {
    params: { token },
    WebSocketPolyfill: LoggingWebSocket,
    disableBc: true
  })
  provider.on('status', ({ status }) => emit({ event: 'status', status }))
  provider.on('sync', (synced) => {
    if (synced) {
      emit({ event: 'synced' })
      reportState()
    }
  })
} else if (HOCUSPOCUS_PACKAGES[kind]) {
  const { HocuspocusProvider } = await import(HOCUSPOCUS_PACKAGES[kind])
  provider = new HocuspocusProvider({
    url,
    name: board,
    document: doc,
    token,
    WebSocketPolyfill: LoggingWebSocket,
    onStatus: ({ status }) => emit({ event: 'status', status }),
    onAuthenticated: ({ scope }) => emit({ event: 'authenticated', scope }),
    onAuthenticationFailed: ({ reason }) => emit({ event: 'authenticationFailed', reason }),
    onSynced: () => {
      emit({ event: 'synced' })
      reportState()
    },
    onUnsyncedChanges: ({ number }) => emit({ event: 'unsynced', number })
  })
  unsynced = () => provider.unsyncedChanges
} else {
  process.stderr.write(`unknown client kind ${kind}\n`)
  process.exit(2)
}

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (!line.trim()) return
  const command = JSON.parse(line)
  if (Array.isArray(command.set)) {
    for (const key of command.set) {
      doc.transact(() => map.set(key, `js:${key}`))
    }
    emit({ event: 'set-done', unsynced: unsynced() })
  } else if (command.exit) {
    provider.destroy()
    process.exit(0)
  }
})
// The test ended (stdin closed): leave.
lines.on('close', () => {
  provider.destroy()
  process.exit(0)
})
