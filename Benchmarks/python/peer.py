#!/usr/bin/env python3
"""The Python peers of `warren bench library`: the same work as Benchmarks/rawc/rawc.c, with pika or aio-pika.

    peer.py --client pika|aio-pika publish --url URL --queue Q --count N --size BYTES --window W
    peer.py --client pika|aio-pika consume --url URL --queue Q --count N --prefetch P [--ack-every K]

publish: N persistent messages of BYTES bytes to the default exchange with routing key Q, publisher confirms on,
at most W unconfirmed at a time (pika: SelectConnection with a confirm callback, since BlockingConnection waits for
each confirm; aio-pika: W publishes in flight, each awaiting its confirm). consume: basic.qos P, manual acks, each
message acked (K = 1) or every K-th with `multiple`. The queue must exist. Written the way a competent user of
each library writes it, from its documentation.

Prints exactly one JSON line like rawc's: {"client", "op", "count", "size", "seconds", "msgsPerSec",
"cpuSeconds", "cpuMicrosPerMsg"}; CPU is this process's user + system time over the measured interval.
Errors: one line on stderr, exit 1.
"""
import argparse
import asyncio
import json
import resource
import sys
import time


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(client, op, count, size, seconds, cpu):
    print(json.dumps({
        "client": client, "op": op, "count": count, "size": size, "seconds": round(seconds, 6),
        "msgsPerSec": round(count / seconds, 1), "cpuSeconds": round(cpu, 6),
        "cpuMicrosPerMsg": round(cpu * 1e6 / count, 3),
    }), flush=True)


# ---------------------------------------------------------------------------------------------------------------
# pika

def pika_publish(args):
    import pika

    body = b"a" * args.size
    properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
    state = {"sent": 0, "confirmed": 0, "unconfirmed": set(), "next_tag": 1, "t0": 0.0, "cpu0": 0.0, "error": None}

    def publish_more(channel):
        while state["sent"] < args.count and len(state["unconfirmed"]) < args.window:
            channel.basic_publish("", args.queue, body, properties)
            state["unconfirmed"].add(state["next_tag"])
            state["next_tag"] += 1
            state["sent"] += 1

    def on_confirm(frame):
        method = frame.method
        if method.NAME == "Basic.Nack":
            state["error"] = "the broker nacked a message"
            connection.close()
            return
        tag = method.delivery_tag
        done = {t for t in state["unconfirmed"] if t <= tag} if method.multiple else {tag}
        state["unconfirmed"] -= done
        state["confirmed"] += len(done)
        if state["confirmed"] >= args.count:
            state["seconds"] = time.perf_counter() - state["t0"]
            state["cpu"] = cpu_seconds() - state["cpu0"]
            connection.close()
        else:
            publish_more(frame_channel[0])

    frame_channel = []

    def on_channel(channel):
        frame_channel.append(channel)
        channel.confirm_delivery(on_confirm, callback=lambda _frame: start(channel))

    def start(channel):
        state["t0"], state["cpu0"] = time.perf_counter(), cpu_seconds()
        publish_more(channel)

    def on_open(conn):
        conn.channel(on_open_callback=on_channel)

    def on_failed(_conn, error):
        state["error"] = f"cannot connect: {error}"
        connection.ioloop.stop()

    connection = pika.SelectConnection(
        pika.URLParameters(args.url), on_open_callback=on_open, on_open_error_callback=on_failed,
        on_close_callback=lambda _conn, _reason: connection.ioloop.stop())
    connection.ioloop.start()
    if state["error"] or "seconds" not in state:
        raise RuntimeError(state["error"] or "the connection closed before every message was confirmed")
    report("pika", "publish", args.count, args.size, state["seconds"], state["cpu"])


def pika_consume(args):
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=args.prefetch)
    state = {"received": 0, "size": 0}
    every = max(args.ack_every, 1)

    def on_message(ch, method, _properties, body):
        state["received"] += 1
        state["size"] = len(body)
        if every == 1:
            ch.basic_ack(method.delivery_tag)
        elif state["received"] % every == 0 or state["received"] == args.count:
            ch.basic_ack(method.delivery_tag, multiple=True)
        if state["received"] >= args.count:
            ch.stop_consuming()

    t0, cpu0 = time.perf_counter(), cpu_seconds()
    channel.basic_consume(args.queue, on_message)
    channel.start_consuming()
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    connection.close()
    report("pika", "consume", args.count, state["size"], seconds, cpu)


# ---------------------------------------------------------------------------------------------------------------
# aio-pika

async def aio_publish(args):
    import aio_pika

    connection = await aio_pika.connect(args.url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = channel.default_exchange
        body = b"a" * args.size
        window = asyncio.Semaphore(args.window)

        async def one():
            try:
                message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
                await exchange.publish(message, routing_key=args.queue)
            finally:
                window.release()

        t0, cpu0 = time.perf_counter(), cpu_seconds()
        tasks = []
        for _ in range(args.count):
            await window.acquire()
            tasks.append(asyncio.ensure_future(one()))
        await asyncio.gather(*tasks)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    report("aio-pika", "publish", args.count, args.size, seconds, cpu)


async def aio_consume(args):
    import aio_pika

    connection = await aio_pika.connect(args.url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=args.prefetch)
        queue = await channel.get_queue(args.queue, ensure=False)
        every = max(args.ack_every, 1)
        received, size = 0, 0
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        async with queue.iterator() as messages:
            async for message in messages:
                received += 1
                size = len(message.body)
                if every == 1:
                    await message.ack()
                elif received % every == 0 or received == args.count:
                    await message.ack(multiple=True)
                if received >= args.count:
                    break
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    report("aio-pika", "consume", args.count, size, seconds, cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", choices=["pika", "aio-pika"], required=True)
    parser.add_argument("op", choices=["publish", "consume"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--queue", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--prefetch", type=int, default=50)
    parser.add_argument("--ack-every", type=int, default=1)
    args = parser.parse_args()
    try:
        if args.client == "pika":
            (pika_publish if args.op == "publish" else pika_consume)(args)
        else:
            asyncio.run((aio_publish if args.op == "publish" else aio_consume)(args))
    except Exception as error:  # one line, never the URL (it holds the password)
        print(f"peer ({args.client} {args.op}): {type(error).__name__}: {error}".replace(args.url, "<url>"),
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
