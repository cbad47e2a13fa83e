"""`assistant pause`: start the ritual in the running listener from elsewhere (a desktop shortcut, a phone
over SSH, a home-automation button), through an owner-only Unix socket, never a network port.

Receives one line, `pause`, on `run/pause.sock` in the data folder. Emits one line back: `ok: started`,
`ok: already pausing`, or `refused: ...`. Only the listener's own user gets in, checked twice: the
socket file is 0600 in a 0700 folder both owned by that user (so nobody else can even connect), and every
connection's peer credentials (SO_PEERCRED) must carry that user's id. The client checks the same modes,
and the listener's credentials, before it sends anything.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

FOLDER = "run"
NAME = "pause.sock"
REQUEST = b"pause\n"
_REPLY_SECONDS = 5.0
"""How long a request waits for the live loop to take it up (it does within a block, ~30 ms)."""
_MAX_PATH = 100
"""Unix socket paths are limited to 107 bytes on Linux."""


class PauseSocketError(RuntimeError):
    """The pause socket cannot be used; the message says why and what to do (one line)."""


def socket_path(data_folder: Path) -> Path:
    return data_folder / FOLDER / NAME


def peer_uid(conn: socket.socket) -> int:
    """The user id of the process at the other end of a connected Unix socket (SO_PEERCRED)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


def peer_allowed(conn: socket.socket, owner_uid: int | None = None) -> bool:
    """Whether the peer runs as `owner_uid` (default: this process's user)."""
    return peer_uid(conn) == (os.geteuid() if owner_uid is None else owner_uid)


def check_private(path: Path, *, need_socket: bool = True) -> None:
    """Raise PauseSocketError with the fix unless `path`'s folder is ours and 0700 and (with
    `need_socket`) `path` is our socket with mode 0600."""
    folder = path.parent
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        raise PauseSocketError(f"no listener is running here (no {folder}): start `assistant listen` first") from None
    me = os.geteuid()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != me:
        raise PauseSocketError(f"{folder} is not a folder of yours: remove it, then start `assistant listen` again")
    if stat.S_IMODE(info.st_mode) != 0o700:
        raise PauseSocketError(f"{folder} is open to others (mode {stat.S_IMODE(info.st_mode):04o}): refused; "
                               f"run chmod 700 {folder} and start `assistant listen` again")
    if not need_socket:
        return
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise PauseSocketError("no listener is running: start `assistant listen` first") from None
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != me or stat.S_IMODE(info.st_mode) != 0o600:
        raise PauseSocketError(f"{path} is not a private socket of yours (mode {stat.S_IMODE(info.st_mode):04o}): "
                               "refused; stop the listener, remove the file and start `assistant listen` again")


def send_pause(path: Path, timeout: float = 10.0) -> str:
    """Ask the listener at `path` to start the ritual; returns its reply ("ok: ..."). Raises
    PauseSocketError with a one-line reason when there is no listener or it refuses."""
    check_private(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        try:
            conn.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise PauseSocketError("no listener is running (a stale socket is left from one that stopped): "
                                   "start `assistant listen` first") from None
        if not peer_allowed(conn):
            raise PauseSocketError(f"the process behind {path} runs as another user: refused")
        try:
            conn.sendall(REQUEST)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a listener that refuses answers and hangs up at once, maybe before we wrote: read why
        try:
            reply = conn.makefile("rb").readline().decode(errors="replace").strip()
        except ConnectionResetError:
            reply = ""
    if not reply.startswith("ok"):
        raise PauseSocketError(reply or "the listener closed the connection without an answer")
    return reply


class PauseServer:
    """Accepts `pause` requests for the live listener on a private Unix socket, in a thread of its own.

    | want                  | do                                                                 |
    |-----------------------|--------------------------------------------------------------------|
    | start serving         | `server = PauseServer(path, live.request_pause).start()`           |
    | stop, remove the file | `server.close()`                                                   |
    """

    def __init__(self, path: Path, on_pause: Callable[[str], Future], *, owner_uid: int | None = None) -> None:
        self.path = path
        self.on_pause = on_pause
        self.owner_uid = os.geteuid() if owner_uid is None else owner_uid
        """The only user let in (another id stands for "the listener is someone else's", in tests)."""
        self.refused = 0
        """Connections turned away (wrong user)."""
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> PauseServer:
        """Create the 0700 folder (or check it), bind the 0600 socket and serve. Raises PauseSocketError."""
        if len(str(self.path)) > _MAX_PATH:
            raise PauseSocketError(f"{self.path} is too long for a socket: set ASSISTANT_DATA_DIR to a shorter folder")
        folder = self.path.parent
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700, parents=True)
        check_private(self.path, need_socket=False)
        if os.path.lexists(self.path):  # left by a listener that died; the listener lock says none runs now
            if not stat.S_ISSOCK(os.lstat(self.path).st_mode):
                raise PauseSocketError(f"{self.path} is not a socket: remove it")
            os.unlink(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        sock.listen(4)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="pause-socket", daemon=True)
        self._thread.start()
        return self

    def _serve(self, sock: socket.socket) -> None:
        """Its own reference to the socket: `close` may clear `self._sock` while this waits in accept."""
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return  # closed
            with conn:
                try:
                    self._answer(conn)
                except OSError:
                    pass  # the client went away

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(2.0)
        if not peer_allowed(conn, self.owner_uid):
            self.refused += 1
            conn.sendall(b"refused: this listener belongs to another user\n")
            return
        if conn.makefile("rb").readline(64) != REQUEST:
            conn.sendall(b"refused: the only request is: pause\n")
            return
        try:
            result = self.on_pause("remote").result(timeout=_REPLY_SECONDS)
        except TimeoutError:
            result = "busy: the listener did not answer in time"
        conn.sendall(f"{'ok' if result in ('started', 'already pausing') else 'refused'}: {result}\n".encode())

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            self._sock = None
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        if self._thread is not None:
            self._thread.join(timeout=2)


__all__ = ["FOLDER", "NAME", "REQUEST", "PauseServer", "PauseSocketError", "check_private", "peer_allowed",
           "peer_uid", "send_pause", "socket_path"]
