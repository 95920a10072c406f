#ifndef CRABBITMQ_SHIM_H
#define CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/// `amqp_login_with_properties` is C-variadic, which Swift cannot call: this fixes the SASL PLAIN arguments.
static inline amqp_rpc_reply_t crabbitmq_login_plain(amqp_connection_state_t state, const char *vhost,
                                                     int channel_max, int frame_max, int heartbeat,
                                                     const amqp_table_t *properties, const char *user,
                                                     const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

/// Free room in a socket's send buffer, in bytes (never negative), or -1 on error; `*unsent` receives the bytes
/// still queued in the kernel. `ioctl` is C-variadic, which Swift cannot call. rabbitmq-c writes with no deadline:
/// the I/O thread writes only what fits, so a peer that stopped reading cannot block it.
static inline long crabbitmq_send_room(int fd, long *unsent) {
    int queued = 0;
    int capacity = 0;
    socklen_t size = sizeof(capacity);
    if (ioctl(fd, TIOCOUTQ, &queued) != 0) return -1;
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &capacity, &size) != 0) return -1;
    *unsent = queued;
    /* SO_SNDBUF counts the kernel's bookkeeping too: use half of it for payload. */
    long room = (long)capacity / 2 - (long)queued;
    return room > 0 ? room : 0;
}

#endif
