// Preloaded into the Portkey gateway (node --import) by tests/export/conftest.py.
// Its start-server.js listens on every interface (it passes no host to listen); this keeps
// it on loopback: a listen(port) call without a host gets 127.0.0.1.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && typeof args[1] !== "string") {
    if (args[1] === undefined) {
      args[1] = "127.0.0.1";
    } else {
      args.splice(1, 0, "127.0.0.1");
    }
  }
  return listen.apply(this, args);
};
