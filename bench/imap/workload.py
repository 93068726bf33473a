#!/usr/bin/env python3
"""The IMAP workload of bench/imap.sh: N concurrent clients (one process each, so the client is
not limited by one interpreter), each over implicit TLS: LOGIN, SELECT INBOX, then R rounds of
FETCH 1:* (FLAGS), UID FETCH <random> (BODY.PEEK[]), UID SEARCH SUBJECT <word>, UID STORE
<random> +FLAGS (\\Seen), APPEND INBOX, UID MOVE <the appended message> Archive; LOGOUT.
Every command is timed from sending to its tagged OK. Prints one JSON line:
{"ops": n, "seconds": wall, "ops_per_s": .., "p50_ms": .., "p99_ms": .., "errors": n, "by_op": {...}}
Bounded: R rounds per client, and every socket has a timeout.
"""
import argparse, imaplib, json, multiprocessing, random, re, socket, ssl, sys, time

WORDS = ["invoice", "meeting", "report", "holiday", "budget", "review", "lunch", "release"]


def message(n):
    return (f"From: bench@example.org\r\nTo: bench@example.test\r\nSubject: appended {random.choice(WORDS)} {n}\r\n"
            f"Message-ID: <a{n}.{random.random()}@bench>\r\nDate: Wed, 25 Nov 2026 12:00:00 +0000\r\n\r\n"
            + ("appended body line\r\n" * 40)).encode()


def client(args):
    port, user, password, rounds, seed = args
    random.seed(seed)
    lat = {}
    errors = 0

    def timed(op, fn, *a):
        nonlocal errors
        t = time.perf_counter()
        typ, data = fn(*a)
        lat.setdefault(op, []).append((time.perf_counter() - t) * 1000)
        if typ != "OK":
            errors += 1
        return typ, data

    ctx = ssl._create_unverified_context()
    socket.setdefaulttimeout(60)
    t = time.perf_counter()
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
    lat.setdefault("connect", []).append((time.perf_counter() - t) * 1000)
    timed("login", m.login, user, password)
    typ, data = timed("select", m.select, "INBOX")
    for i in range(rounds):
        typ, data = timed("fetch_flags", m.fetch, "1:*", "(FLAGS)")
        count = len([d for d in data if d])
        typ, data = m.uid("SEARCH", "ALL")  # untimed: which UIDs exist now
        uids = data[0].split() if typ == "OK" and data and data[0] else []
        if uids:
            timed("fetch_body", m.uid, "FETCH", random.choice(uids).decode(), "(BODY.PEEK[])")
        timed("search", m.uid, "SEARCH", "SUBJECT", random.choice(WORDS))
        if uids:
            timed("store", m.uid, "STORE", random.choice(uids).decode(), "+FLAGS", "(\\Seen)")
        typ, data = timed("append", m.append, "INBOX", None, None, message(seed * 100000 + i))
        match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"") if typ == "OK" else None
        if match:
            timed("move", m.uid, "MOVE", match.group(1).decode(), "Archive")
        else:
            errors += 1
    timed("logout", lambda: (lambda r: ("OK", r[1]))(m.logout()))
    return lat, errors


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args()
    jobs = [(a.port, a.user, a.password, a.rounds, i + 1) for i in range(a.clients)]
    start = time.perf_counter()
    with multiprocessing.Pool(a.clients) as pool:
        results = pool.map(client, jobs)
    wall = time.perf_counter() - start
    by_op, errors = {}, 0
    for lat, e in results:
        errors += e
        for op, values in lat.items():
            by_op.setdefault(op, []).extend(values)
    every = sorted(v for op, values in by_op.items() if op != "connect" for v in values)

    def pct(values, q):
        values = sorted(values)
        return round(values[min(len(values) - 1, int(q * len(values)))], 2) if values else None

    print(json.dumps({
        "ops": len(every), "seconds": round(wall, 3), "ops_per_s": round(len(every) / wall, 1),
        "p50_ms": pct(every, 0.50), "p99_ms": pct(every, 0.99), "errors": errors,
        "by_op": {op: {"n": len(v), "p50_ms": pct(v, 0.5), "p99_ms": pct(v, 0.99)} for op, v in sorted(by_op.items())},
    }))


if __name__ == "__main__":
    sys.exit(main())
