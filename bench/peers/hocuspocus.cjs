// Starts a stock Hocuspocus server (3.x or 4.x, whichever PEER_DIR holds) on 127.0.0.1:0 with
// its documented defaults and no extensions (no persistence), and prints `listening on ADDR`.
// Usage: PEER_DIR=/path/with/node_modules [PORT=n] node hocuspocus.cjs (PORT: 0 = any free port)
const { createRequire } = require("node:module");
const path = require("node:path");

const peerDir = process.env.PEER_DIR;
if (!peerDir) {
  console.error("PEER_DIR must name the folder holding node_modules/@hocuspocus/server");
  process.exit(2);
}
const peerRequire = createRequire(path.join(peerDir, "package.json"));
const { Server } = peerRequire("@hocuspocus/server");

const port = Number(process.env.PORT ?? 0);
const server = new Server({ port, address: "127.0.0.1", quiet: true });
// Hocuspocus 3.4.4 hands `address` to http.Server#listen, which ignores it and binds every
// interface; pin the bind to loopback (4.x already does) so benchmarks stay on 127.0.0.1.
const listen = server.httpServer.listen.bind(server.httpServer);
server.httpServer.listen = (options, callback) =>
  listen({ ...options, host: "127.0.0.1" }, callback);
server.listen().then(
  () => {
    const { address, port } = server.address;
    console.log(`listening on ${address}:${port}`);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
