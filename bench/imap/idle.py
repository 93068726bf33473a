#!/usr/bin/env python3
"""Opens N IMAP connections over implicit TLS, each LOGIN, SELECT INBOX, IDLE, and holds them.
Prints "ready <n>" once all are idling (or the bound passed), then waits for stdin to close.
Used by bench/imap.sh to measure the server's memory with N idle clients. asyncio, so one
process holds them all; connections are opened at most 50 at a time."""
import argparse, asyncio, ssl, sys


async def one(port, user, password, ctx, gate, held):
    async with gate:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, ssl=ctx), 60)
        await asyncio.wait_for(reader.readline(), 60)
        for tag, line in (("a", f'a LOGIN "{user}" "{password}"'), ("b", "b SELECT INBOX")):
            writer.write(line.encode() + b"\r\n")
            while True:
                reply = await asyncio.wait_for(reader.readline(), 120)
                if not reply:
                    raise ConnectionError("closed")
                if reply.startswith(tag.encode() + b" "):
                    if not reply.startswith(tag.encode() + b" OK"):
                        raise ConnectionError(reply.decode(errors="replace").strip())
                    break
        writer.write(b"c IDLE\r\n")
        while True:  # untagged updates may come before the continuation
            reply = await asyncio.wait_for(reader.readline(), 60)
            if reply.startswith(b"+"):
                break
            if not reply.startswith(b"* ") or reply.startswith(b"* BYE"):
                raise ConnectionError("no IDLE continuation: " + reply.decode(errors="replace").strip())
        held.append(writer)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--count", type=int, default=1000)
    a = p.parse_args()
    ctx = ssl._create_unverified_context()
    gate, held = asyncio.Semaphore(50), []
    results = await asyncio.gather(*(one(a.port, a.user, a.password, ctx, gate, held) for _ in range(a.count)),
                                   return_exceptions=True)
    failures = [r for r in results if isinstance(r, Exception)]
    print(f"ready {len(held)} failed {len(failures)}" + (f" first: {failures[0]!r}" if failures else ""), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for w in held:
        w.close()


if __name__ == "__main__":
    asyncio.run(main())
