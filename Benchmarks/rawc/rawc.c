/*
 * rawc: the reference "raw C rabbitmq-c loop" that the Swift wrapper is
 * benchmarked against. One thread, one connection, channel 1, rabbitmq-c 0.11.
 *
 *   rawc publish --url URL --queue Q --count N --size BYTES --window W
 *                [--declare classic|quorum] [--timeout SEC]
 *   rawc consume --url URL --queue Q --count N --prefetch P [--ack-every K]
 *                [--timeout SEC]
 *
 * Build:
 *   cc -O2 -o rawc Benchmarks/rawc/rawc.c $(pkg-config --cflags --libs librabbitmq)
 *
 * Prints exactly one JSON line on stdout on success. On failure prints one
 * line "rawc: ..." on stderr (never the URL's password) and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#define CHANNEL 1

/* ------------------------------------------------------------------------ */
/* errors                                                                   */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
  va_list ap;
  fputs("rawc: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

/* Text for an amqp_rpc_reply_t that is not AMQP_RESPONSE_NORMAL. */
static const char *reply_text(amqp_rpc_reply_t r) {
  static char buf[512];
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "missing RPC reply type";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        amqp_connection_close_t *m = r.reply.decoded;
        snprintf(buf, sizeof buf, "broker closed the connection: %u %.*s",
                 m->reply_code, (int)m->reply_text.len,
                 (const char *)m->reply_text.bytes);
      } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = r.reply.decoded;
        snprintf(buf, sizeof buf, "broker closed the channel: %u %.*s",
                 m->reply_code, (int)m->reply_text.len,
                 (const char *)m->reply_text.bytes);
      } else {
        snprintf(buf, sizeof buf, "unexpected server method 0x%08X",
                 (unsigned)r.reply.id);
      }
      return buf;
  }
  return "unknown reply type";
}

static void check_reply(amqp_rpc_reply_t r, const char *what) {
  if (r.reply_type != AMQP_RESPONSE_NORMAL) die("%s failed: %s", what, reply_text(r));
}

/* ------------------------------------------------------------------------ */
/* options                                                                  */

enum { OPT_URL = 1, OPT_QUEUE, OPT_COUNT, OPT_SIZE, OPT_WINDOW, OPT_DECLARE,
       OPT_PREFETCH, OPT_ACK_EVERY, OPT_TIMEOUT, OPT_HEARTBEAT, OPT_HELP };

static const struct option long_opts[] = {
    {"url", required_argument, NULL, OPT_URL},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"count", required_argument, NULL, OPT_COUNT},
    {"size", required_argument, NULL, OPT_SIZE},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"declare", required_argument, NULL, OPT_DECLARE},
    {"prefetch", required_argument, NULL, OPT_PREFETCH},
    {"ack-every", required_argument, NULL, OPT_ACK_EVERY},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"heartbeat", required_argument, NULL, OPT_HEARTBEAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

static const char usage[] =
    "usage: rawc publish --url URL --queue Q --count N --size BYTES --window W\n"
    "                    [--declare classic|quorum] [--timeout SEC] [--heartbeat SEC]\n"
    "       rawc consume --url URL --queue Q --count N --prefetch P [--ack-every K]\n"
    "                    [--timeout SEC] [--heartbeat SEC]\n"
    "  --timeout: fail if no frame arrives for SEC seconds while waiting (default 60)\n"
    "  --heartbeat: heartbeat to negotiate, in seconds (default 0: none); give the value the\n"
    "               client compared with uses, so both do the same timer bookkeeping per frame\n";

static uint64_t parse_u64(const char *name, const char *s, uint64_t min, uint64_t max) {
  char *end;
  errno = 0;
  if (*s == '-' || *s == '\0') die("--%s: expected an integer in [%" PRIu64 ", %" PRIu64 "], got '%s'", name, min, max, s);
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end != '\0' || v < min || v > max)
    die("--%s: expected an integer in [%" PRIu64 ", %" PRIu64 "], got '%s'", name, min, max, s);
  return (uint64_t)v;
}

typedef struct {
  int publish;               /* 1 publish, 0 consume */
  const char *url;
  const char *queue;
  uint64_t count;
  uint64_t size;
  uint64_t window;
  const char *declare;       /* NULL, "classic" or "quorum" */
  uint64_t prefetch;
  uint64_t ack_every;
  int timeout_s;
  int heartbeat_s;
  unsigned seen;             /* bit per OPT_* given */
} opts_t;

static void parse_args(int argc, char **argv, opts_t *o) {
  memset(o, 0, sizeof *o);
  o->ack_every = 1;
  o->timeout_s = 60;
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(usage, argc < 2 ? stderr : stdout);
    exit(argc < 2 ? 1 : 0);
  }
  if (!strcmp(argv[1], "publish")) o->publish = 1;
  else if (!strcmp(argv[1], "consume")) o->publish = 0;
  else die("unknown command '%s' (expected publish or consume; see --help)", argv[1]);

  /* getopt_long over argv[1..]: argv[1] (the command) plays argv[0]. */
  char **av = argv + 1;
  int ac = argc - 1, c;
  opterr = 0;
  while ((c = getopt_long(ac, av, "", long_opts, NULL)) != -1) {
    if (c > 0 && c <= OPT_HELP) o->seen |= 1u << c;
    switch (c) {
      case OPT_URL: o->url = optarg; break;
      case OPT_QUEUE: o->queue = optarg; break;
      case OPT_COUNT: o->count = parse_u64("count", optarg, 1, UINT64_C(1) << 40); break;
      case OPT_SIZE: o->size = parse_u64("size", optarg, 0, UINT64_C(1) << 30); break;
      case OPT_WINDOW: o->window = parse_u64("window", optarg, 1, UINT64_C(1) << 30); break;
      case OPT_PREFETCH: o->prefetch = parse_u64("prefetch", optarg, 0, 65535); break;
      case OPT_ACK_EVERY: o->ack_every = parse_u64("ack-every", optarg, 1, UINT64_C(1) << 30); break;
      case OPT_TIMEOUT: o->timeout_s = (int)parse_u64("timeout", optarg, 1, 86400); break;
      case OPT_HEARTBEAT: o->heartbeat_s = (int)parse_u64("heartbeat", optarg, 0, 65535); break;
      case OPT_DECLARE:
        if (strcmp(optarg, "classic") && strcmp(optarg, "quorum"))
          die("--declare: expected classic or quorum, got '%s'", optarg);
        o->declare = optarg;
        break;
      case OPT_HELP: fputs(usage, stdout); exit(0);
      default: die("unknown option or missing value: '%s' (see --help)", av[optind - 1]);
    }
  }
  if (optind < ac) die("unexpected argument '%s'", av[optind]);

  unsigned allowed = (1u << OPT_URL) | (1u << OPT_QUEUE) | (1u << OPT_COUNT) | (1u << OPT_TIMEOUT) |
                     (1u << OPT_HEARTBEAT);
  unsigned required = (1u << OPT_URL) | (1u << OPT_QUEUE) | (1u << OPT_COUNT);
  if (o->publish) {
    allowed |= (1u << OPT_SIZE) | (1u << OPT_WINDOW) | (1u << OPT_DECLARE);
    required |= (1u << OPT_SIZE) | (1u << OPT_WINDOW);
  } else {
    allowed |= (1u << OPT_PREFETCH) | (1u << OPT_ACK_EVERY);
    required |= (1u << OPT_PREFETCH);
  }
  for (int i = OPT_URL; i < OPT_HELP; i++) {
    const char *name = long_opts[i - 1].name;
    if ((o->seen & (1u << i)) && !(allowed & (1u << i)))
      die("--%s is not an option of '%s'", name, argv[1]);
    if (!(o->seen & (1u << i)) && (required & (1u << i)))
      die("'%s' needs --%s (see --help)", argv[1], name);
  }
  if (!o->publish && o->prefetch > 0 && o->ack_every > o->prefetch)
    die("--ack-every %" PRIu64 " > --prefetch %" PRIu64
        ": the broker would stop delivering before the first ack",
        o->ack_every, o->prefetch);
  if (strlen(o->queue) > 255) die("--queue: name longer than 255 bytes");
}

/* ------------------------------------------------------------------------ */
/* connection                                                               */

static amqp_connection_state_t connect_and_login(const opts_t *o) {
  struct amqp_connection_info ci;
  char *url = strdup(o->url);  /* amqp_parse_url writes into its argument */
  if (!url) die("out of memory");
  amqp_default_connection_info(&ci);
  /* Do not echo the URL: it may hold a password. */
  if (amqp_parse_url(url, &ci) != AMQP_STATUS_OK)
    die("cannot parse --url (expected amqp://user:password@host:port/vhost)");
  if (ci.ssl) die("--url: amqps:// is not supported by rawc (plain TCP only)");

  amqp_connection_state_t conn = amqp_new_connection();
  if (!conn) die("amqp_new_connection failed (out of memory)");
  amqp_socket_t *sock = amqp_tcp_socket_new(conn);
  if (!sock) die("amqp_tcp_socket_new failed");
  struct timeval tv = {o->timeout_s < 10 ? o->timeout_s : 10, 0};
  int rc = amqp_socket_open_noblock(sock, ci.host, ci.port, &tv);
  if (rc != AMQP_STATUS_OK)
    die("cannot connect to %s:%d: %s%s", ci.host, ci.port, amqp_error_string2(rc),
        rc == AMQP_STATUS_SOCKET_ERROR ? " (is a broker listening there?)" : "");

  /* The library services heartbeats only inside calls: enough while a run keeps it busy. */
  amqp_rpc_reply_t r = amqp_login(conn, ci.vhost, 0, AMQP_DEFAULT_FRAME_SIZE, o->heartbeat_s,
                                  AMQP_SASL_METHOD_PLAIN, ci.user, ci.password);
  if (r.reply_type != AMQP_RESPONSE_NORMAL)
    die("login as '%s' to vhost '%s' on %s:%d failed: %s%s", ci.user, ci.vhost,
        ci.host, ci.port, reply_text(r),
        ci.vhost[0] == '\0' ? " (the URL names the empty vhost; use .../%2f for '/')" : "");
  amqp_channel_open(conn, CHANNEL);
  check_reply(amqp_get_rpc_reply(conn), "channel.open");
  free(url);
  return conn;
}

static void close_connection(amqp_connection_state_t conn) {
  check_reply(amqp_channel_close(conn, CHANNEL, AMQP_REPLY_SUCCESS), "channel.close");
  check_reply(amqp_connection_close(conn, AMQP_REPLY_SUCCESS), "connection.close");
  int rc = amqp_destroy_connection(conn);
  if (rc != AMQP_STATUS_OK) die("amqp_destroy_connection failed: %s", amqp_error_string2(rc));
}

/* Fails for a frame that means the channel or connection is gone. */
static void die_on_close_frame(const amqp_frame_t *f, const char *during) {
  if (f->frame_type != AMQP_FRAME_METHOD) return;
  if (f->payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
    amqp_channel_close_t *m = f->payload.method.decoded;
    die("broker closed channel %u during %s: %u %.*s", f->channel, during, m->reply_code,
        (int)m->reply_text.len, (const char *)m->reply_text.bytes);
  }
  if (f->payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    amqp_connection_close_t *m = f->payload.method.decoded;
    die("broker closed the connection during %s: %u %.*s", during, m->reply_code,
        (int)m->reply_text.len, (const char *)m->reply_text.bytes);
  }
  if (f->payload.method.id == AMQP_BASIC_CANCEL_METHOD)
    die("broker cancelled the consumer during %s (queue deleted?)", during);
}

/* ------------------------------------------------------------------------ */
/* measurement                                                              */

typedef struct { double wall, cpu; } stamp_t;

static stamp_t now_stamp(void) {
  struct timespec ts;
  struct rusage ru;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  getrusage(RUSAGE_SELF, &ru);
  stamp_t s;
  s.wall = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
  s.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  return s;
}

static void print_result(const opts_t *o, uint64_t size, stamp_t t0, stamp_t t1) {
  double secs = t1.wall - t0.wall, cpu = t1.cpu - t0.cpu, n = (double)o->count;
  if (o->publish)
    printf("{\"client\":\"rawc\",\"op\":\"publish\",\"count\":%" PRIu64 ",\"size\":%" PRIu64
           ",\"window\":%" PRIu64,
           o->count, size, o->window);
  else
    printf("{\"client\":\"rawc\",\"op\":\"consume\",\"count\":%" PRIu64 ",\"size\":%" PRIu64
           ",\"prefetch\":%" PRIu64 ",\"ackEvery\":%" PRIu64,
           o->count, size, o->prefetch, o->ack_every);
  printf(",\"seconds\":%.6f,\"msgsPerSec\":%.1f,\"cpuSeconds\":%.6f,\"cpuMicrosPerMsg\":%.3f}\n",
         secs, secs > 0 ? n / secs : 0.0, cpu, cpu * 1e6 / n);
  fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* publish                                                                  */

typedef struct {
  amqp_connection_state_t conn;
  int fd;
  uint64_t published;   /* publish sequence numbers 1..published were sent */
  uint64_t confirmed;   /* acked + nacked */
  uint64_t nacked;
  uint64_t lowest;      /* lowest sequence number not yet confirmed */
  uint8_t *done;        /* done[seq] = 1 once confirmed */
  struct timeval timeout;
} pub_t;

static void settle(pub_t *p, uint64_t tag, int multiple, int nack) {
  if (multiple && tag == 0) tag = p->published;
  if (tag == 0 || tag > p->published)
    die("broker confirmed sequence number %" PRIu64 " but only %" PRIu64 " were published",
        tag, p->published);
  uint64_t from = multiple ? p->lowest : tag;
  for (uint64_t t = from; t <= tag; t++) {
    if (!p->done[t]) {
      p->done[t] = 1;
      p->confirmed++;
      p->nacked += (uint64_t)nack;
    }
  }
  while (p->lowest <= p->published && p->done[p->lowest]) p->lowest++;
}

static void pub_handle_frame(pub_t *p, const amqp_frame_t *f) {
  if (f->frame_type == AMQP_FRAME_METHOD) {
    switch (f->payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const amqp_basic_ack_t *m = f->payload.method.decoded;
        settle(p, m->delivery_tag, m->multiple, 0);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const amqp_basic_nack_t *m = f->payload.method.decoded;
        settle(p, m->delivery_tag, m->multiple, 1);
        break;
      }
      case AMQP_BASIC_RETURN_METHOD: {
        /* Not expected (no mandatory flag); consume its header and body. */
        amqp_message_t msg;
        amqp_rpc_reply_t r = amqp_read_message(p->conn, f->channel, &msg, 0);
        check_reply(r, "reading a returned message");
        amqp_destroy_message(&msg);
        break;
      }
      default:
        die_on_close_frame(f, "publish");
        break;  /* anything else is of no interest here */
    }
  }
  /* The frame's decoded fields were copied out: recycle the frame pools. */
  amqp_maybe_release_buffers(p->conn);
}

/* Blocks (up to the timeout) for one frame and handles it. */
static void pub_wait_frame(pub_t *p) {
  amqp_frame_t f;
  int rc = amqp_simple_wait_frame_noblock(p->conn, &f, &p->timeout);
  if (rc == AMQP_STATUS_TIMEOUT)
    die("no confirm from the broker for %ld s (%" PRIu64 " of %" PRIu64 " published messages confirmed)",
        (long)p->timeout.tv_sec, p->confirmed, p->published);
  if (rc != AMQP_STATUS_OK) die("reading confirms failed: %s", amqp_error_string2(rc));
  pub_handle_frame(p, &f);
}

/* Handles every frame that can be had without blocking: frames the library
 * already holds, and, if may_poll, what the socket has. A poll() with zero
 * timeout gates the socket read so that an empty socket costs one syscall
 * (the library's own zero-timeout read costs a recv and a poll). */
static void pub_drain(pub_t *p, int may_poll) {
  static const struct timeval zero = {0, 0};
  for (;;) {
    if (!amqp_frames_enqueued(p->conn) && !amqp_data_in_buffer(p->conn)) {
      if (!may_poll) return;
      struct pollfd pfd = {p->fd, POLLIN, 0};
      int n = poll(&pfd, 1, 0);
      if (n == 0) return;
      if (n < 0) {
        if (errno == EINTR) continue;
        die("poll on the connection socket failed: %s", strerror(errno));
      }
    }
    amqp_frame_t f;
    int rc = amqp_simple_wait_frame_noblock(p->conn, &f, &zero);
    if (rc == AMQP_STATUS_TIMEOUT) return;  /* only part of a frame so far */
    if (rc != AMQP_STATUS_OK) die("reading confirms failed: %s", amqp_error_string2(rc));
    pub_handle_frame(p, &f);
  }
}

static int do_publish(const opts_t *o) {
  amqp_connection_state_t conn = connect_and_login(o);
  amqp_bytes_t queue = amqp_cstring_bytes(o->queue);

  if (o->declare) {
    amqp_table_entry_t arg;
    amqp_table_t args = amqp_empty_table;
    if (!strcmp(o->declare, "quorum")) {
      arg.key = amqp_cstring_bytes("x-queue-type");
      arg.value.kind = AMQP_FIELD_KIND_UTF8;
      arg.value.value.bytes = amqp_cstring_bytes("quorum");
      args.num_entries = 1;
      args.entries = &arg;
    }
    amqp_queue_declare(conn, CHANNEL, queue, 0, 1, 0, 0, args);
    char what[300];
    snprintf(what, sizeof what, "queue.declare of %s queue '%s'", o->declare, o->queue);
    check_reply(amqp_get_rpc_reply(conn), what);
  }
  amqp_confirm_select(conn, CHANNEL);
  check_reply(amqp_get_rpc_reply(conn), "confirm.select");

  pub_t p;
  memset(&p, 0, sizeof p);
  p.conn = conn;
  p.fd = amqp_get_sockfd(conn);
  p.lowest = 1;
  p.timeout.tv_sec = o->timeout_s;
  p.done = calloc(o->count + 2, 1);
  char *body = malloc(o->size ? o->size : 1);
  if (!p.done || !body) die("out of memory");
  for (uint64_t i = 0; i < o->size; i++) body[i] = (char)('a' + i % 26);
  amqp_bytes_t msg = {o->size, body};

  amqp_basic_properties_t props;
  memset(&props, 0, sizeof props);
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.delivery_mode = 2; /* persistent */

  /* Confirms already in the library's buffer are handled after every publish
   * (free); the socket itself is polled every poll_every publishes, so that
   * confirms are picked up while the window is still open without paying a
   * syscall per message (measured here: polling after every publish cost
   * ~0.3-0.5 us/msg more CPU for no throughput gain). */
  uint64_t poll_every = o->window / 4;
  if (poll_every > 16) poll_every = 16;
  if (poll_every < 1) poll_every = 1;
  stamp_t t0 = now_stamp();
  while (p.published < o->count) {
    while (p.published - p.confirmed >= o->window) pub_wait_frame(&p);
    int rc = amqp_basic_publish(conn, CHANNEL, amqp_empty_bytes, queue, 0, 0, &props, msg);
    if (rc != AMQP_STATUS_OK)
      die("basic.publish #%" PRIu64 " failed: %s", p.published + 1, amqp_error_string2(rc));
    p.published++;
    pub_drain(&p, p.published % poll_every == 0);
  }
  while (p.confirmed < p.published) pub_wait_frame(&p);
  stamp_t t1 = now_stamp();

  close_connection(conn);
  if (p.nacked)
    die("broker nacked %" PRIu64 " of %" PRIu64 " messages", p.nacked, p.published);
  print_result(o, o->size, t0, t1);
  free(p.done);
  free(body);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* consume                                                                  */

/* amqp_consume_message said a non-delivery frame is next: read and handle it. */
static void consume_other_frame(amqp_connection_state_t conn, const struct timeval *timeout) {
  amqp_frame_t f;
  int rc = amqp_simple_wait_frame_noblock(conn, &f, timeout);
  if (rc == AMQP_STATUS_TIMEOUT) die("no frame from the broker for %ld s", (long)timeout->tv_sec);
  if (rc != AMQP_STATUS_OK) die("reading a frame failed: %s", amqp_error_string2(rc));
  if (f.frame_type != AMQP_FRAME_METHOD) return;
  die_on_close_frame(&f, "consume");
  if (f.payload.method.id == AMQP_BASIC_RETURN_METHOD) {
    amqp_message_t msg;
    check_reply(amqp_read_message(conn, f.channel, &msg, 0), "reading a returned message");
    amqp_destroy_message(&msg);
  }
  /* basic.ack/nack and anything else: nothing to do on a consumer */
}

static int do_consume(const opts_t *o) {
  amqp_connection_state_t conn = connect_and_login(o);
  struct timeval timeout = {o->timeout_s, 0};

  amqp_basic_qos(conn, CHANNEL, 0, (uint16_t)o->prefetch, 0);
  check_reply(amqp_get_rpc_reply(conn), "basic.qos");

  uint64_t received = 0, unacked = 0, bytes = 0;
  stamp_t t0 = now_stamp();
  amqp_basic_consume_ok_t *ok =
      amqp_basic_consume(conn, CHANNEL, amqp_cstring_bytes(o->queue), amqp_empty_bytes,
                         0 /*no_local*/, 0 /*no_ack*/, 0 /*exclusive*/, amqp_empty_table);
  char what[300];
  snprintf(what, sizeof what, "basic.consume on queue '%s'", o->queue);
  check_reply(amqp_get_rpc_reply(conn), what);
  /* the reply lives in a frame pool that amqp_maybe_release_buffers recycles */
  amqp_bytes_t consumer_tag = amqp_bytes_malloc_dup(ok->consumer_tag);
  if (!consumer_tag.bytes) die("out of memory");

  while (received < o->count) {
    amqp_envelope_t env;
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t r = amqp_consume_message(conn, &env, &timeout, 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
          r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        consume_other_frame(conn, &timeout);
        continue;
      }
      if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
        die("no delivery for %d s (received %" PRIu64 " of %" PRIu64 ")", o->timeout_s, received,
            o->count);
      die("consuming message %" PRIu64 " failed: %s", received + 1, reply_text(r));
    }
    uint64_t tag = env.delivery_tag;
    bytes += env.message.body.len;
    amqp_destroy_envelope(&env);
    received++;

    int rc = AMQP_STATUS_OK;
    if (o->ack_every == 1) {
      rc = amqp_basic_ack(conn, CHANNEL, tag, 0);
    } else if (++unacked == o->ack_every || received == o->count) {
      rc = amqp_basic_ack(conn, CHANNEL, tag, 1);
      unacked = 0;
    }
    if (rc != AMQP_STATUS_OK)
      die("basic.ack of delivery %" PRIu64 " failed: %s", tag, amqp_error_string2(rc));
  }
  stamp_t t1 = now_stamp();

  /* Cancel the consumer and wait for cancel-ok before closing the channel.
   * Needed for quorum queues: RabbitMQ (3.10 here; rabbitmq-server issue
   * #10327) can drop acks that arrive just before a channel close and requeue
   * those messages (measured here: up to ~470 of the last 500 acks lost with
   * --prefetch 500 --ack-every 1; none lost in 31 runs with this cancel first).
   * Deliveries beyond --count that were already sent to us stay unacked and
   * are requeued by the broker when the channel closes. */
  amqp_basic_cancel(conn, CHANNEL, consumer_tag);
  check_reply(amqp_get_rpc_reply(conn), "basic.cancel");
  amqp_bytes_free(consumer_tag);
  close_connection(conn);
  print_result(o, bytes / o->count, t0, t1);
  return 0;
}

int main(int argc, char **argv) {
  opts_t o;
  parse_args(argc, argv, &o);
  return o.publish ? do_publish(&o) : do_consume(&o);
}
