"""Keep a Python process of the conformance tests on 127.0.0.1.

Python imports this module at start-up when its directory is on
PYTHONPATH, before any client code runs, so it also guards az and the
processes az starts. A name lookup or connection to anything but
127.0.0.1 (or a Unix socket) fails with OSError before a DNS query or a
packet leaves. The rejected host is appended to the file named by
KVL_NETGUARD_LOG, so that a test can show which host a client tried.
"""

import errno
import os
import socket

_ALLOWED_HOST = "127.0.0.1"
_LOG = os.environ.get("KVL_NETGUARD_LOG")


def _reject(target):
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(target + "\n")
    raise OSError(errno.ENETUNREACH,
                  "conformance tests allow only 127.0.0.1, not " + target)


def _host_text(host):
    if isinstance(host, bytes):
        return host.decode("ascii", "replace")
    return str(host)


def _check_host(host):
    if _host_text(host) != _ALLOWED_HOST:
        _reject(_host_text(host))


def _check_address(family, address):
    if family == getattr(socket, "AF_UNIX", None):
        return
    if not isinstance(address, tuple) or not address:
        _reject(repr(address))
    _check_host(address[0])


_real_getaddrinfo = socket.getaddrinfo
_real_gethostbyname = socket.gethostbyname
_real_gethostbyname_ex = socket.gethostbyname_ex
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _getaddrinfo(host, *args, **kwargs):
    _check_host(host)
    return _real_getaddrinfo(host, *args, **kwargs)


def _gethostbyname(host):
    _check_host(host)
    return _real_gethostbyname(host)


def _gethostbyname_ex(host):
    _check_host(host)
    return _real_gethostbyname_ex(host)


def _connect(sock, address):
    _check_address(sock.family, address)
    return _real_connect(sock, address)


def _connect_ex(sock, address):
    _check_address(sock.family, address)
    return _real_connect_ex(sock, address)


socket.getaddrinfo = _getaddrinfo
socket.gethostbyname = _gethostbyname
socket.gethostbyname_ex = _gethostbyname_ex
socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
