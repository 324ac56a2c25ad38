#!/usr/bin/env python3
"""bench/redis_mem.py: the Redis side of bench/run.sh's redis-memory scenario (stdlib only).

  redis_mem.py PORT keys PATTERN       every key matching PATTERN (SCAN), grouped into families
                                       (a key's last segment becomes * where many keys share the
                                       rest): keys, type, encodings, elements, the sum of
                                       MEMORY USAGE ... SAMPLES 0, TTL range in seconds ("none":
                                       no expiry); one tab-separated line each
  redis_mem.py PORT plain KIND N       load one plain SET of N random members, KIND bin8 (8 random
                                       bytes, a binary fingerprint) or hex40 (40 hex characters,
                                       scrapy-redis's SHA-1 request fingerprints), print
                                       "members memory_usage used_memory_delta", then delete it
  redis_mem.py PORT del PATTERN        DEL every key matching PATTERN, print
                                       "keys used_memory_before used_memory_after"
  redis_mem.py PORT used               INFO memory's used_memory

It talks RESP over a plain socket to 127.0.0.1:PORT, pipelining in batches, so it needs nothing
that might not be installed. Key names are handled as bytes (and printed with backslash escapes).
"""
import os
import socket
import sys
from collections import OrderedDict

BATCH = 1000


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, int):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return RuntimeError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ValueError("unexpected reply %r" % line)

    def pipeline(self, commands):
        replies = []
        for start in range(0, len(commands), BATCH):
            part = commands[start:start + BATCH]
            self.sock.sendall(b"".join(self.encode(c) for c in part))
            replies.extend(self.reply() for _ in part)
        return replies

    def call(self, *args):
        r = self.pipeline([args])[0]
        if isinstance(r, Exception):
            raise r
        return r

    def scan(self, pattern):
        cursor = b"0"
        while True:
            cursor, keys = self.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
            yield from keys
            if cursor == b"0":
                return

    def used_memory(self):
        for line in self.call("INFO", "memory").decode().splitlines():
            if line.startswith("used_memory:"):
                return int(line.split(":", 1)[1])
        raise RuntimeError("no used_memory in INFO memory")


def show(key):
    return key.decode("ascii", errors="backslashreplace")


LENGTH = {b"set": "SCARD", b"hash": "HLEN", b"list": "LLEN", b"zset": "ZCARD", b"stream": "XLEN"}


def keys(r, pattern):
    found = list(r.scan(pattern))
    prefixes = {}
    for k in found:
        head = k.rsplit(b":", 1)[0] if b":" in k else k
        prefixes[head] = prefixes.get(head, 0) + 1
    families = OrderedDict()
    for k in sorted(found):
        head = k.rsplit(b":", 1)[0] if b":" in k else k
        name = head + b":*" if prefixes[head] > 16 else k
        families.setdefault(name, []).append(k)
    print("family\tkeys\ttype\tencodings\telements\tmemory_usage\tttl_s")
    for name, members in families.items():
        types = r.pipeline([("TYPE", k) for k in members])
        encodings = r.pipeline([("OBJECT", "ENCODING", k) for k in members])
        usage = r.pipeline([("MEMORY", "USAGE", k, "SAMPLES", 0) for k in members])
        ttls = [t for t in r.pipeline([("TTL", k) for k in members]) if isinstance(t, int)]
        lengths = r.pipeline([(LENGTH[t], k) if t in LENGTH else ("STRLEN", k)
                              for k, t in zip(members, types)])
        enc = {}
        for e in encodings:
            e = e.decode() if isinstance(e, bytes) else "?"
            enc[e] = enc.get(e, 0) + 1
        kinds = sorted({t.decode() if isinstance(t, bytes) else "?" for t in types})
        total = sum(u for u in usage if isinstance(u, int))
        elements = sum(n for n in lengths if isinstance(n, int))
        if not ttls:
            ttl = "?"
        elif min(ttls) < 0:
            ttl = "none" if max(ttls) < 0 else "none..%d" % max(ttls)
        else:
            ttl = "%d" % min(ttls) if min(ttls) == max(ttls) else "%d..%d" % (min(ttls), max(ttls))
        print("%s\t%d\t%s\t%s\t%d\t%d\t%s" % (show(name), len(members), ",".join(kinds),
                                              ",".join("%s:%d" % kv for kv in sorted(enc.items())),
                                              elements, total, ttl))


def plain(r, kind, n):
    key = "bench:plain:" + kind
    r.call("DEL", key)
    before = r.used_memory()
    commands = []
    per = 1000
    made = 0
    while made < n:
        take = min(per, n - made)
        if kind == "bin8":
            members = [os.urandom(8) for _ in range(take)]
        elif kind == "hex40":
            members = [os.urandom(20).hex() for _ in range(take)]
        else:
            raise SystemExit("plain: KIND is bin8 or hex40")
        commands.append(("SADD", key, *members))
        made += take
    r.pipeline(commands)
    members = r.call("SCARD", key)
    usage = r.call("MEMORY", "USAGE", key, "SAMPLES", 0)
    after = r.used_memory()
    encoding = r.call("OBJECT", "ENCODING", key).decode()
    r.call("DEL", key)
    print(members, usage, after - before, encoding)


def delete(r, pattern):
    found = list(r.scan(pattern))
    before = r.used_memory()
    r.pipeline([("DEL", k) for k in found])
    after = r.used_memory()
    print(len(found), before, after)


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    r = Redis(int(argv[1]))
    what = argv[2]
    if what == "keys" and len(argv) == 4:
        keys(r, argv[3])
    elif what == "plain" and len(argv) == 5:
        plain(r, argv[3], int(argv[4]))
    elif what == "del" and len(argv) == 4:
        delete(r, argv[3])
    elif what == "used" and len(argv) == 3:
        print(r.used_memory())
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
