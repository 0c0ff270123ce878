"""What the student's process may do, enforced from inside it before any student code runs.

Layers, all installed by the child runner (grader/sandbox/child.py) on itself, in this order; see grader/SECURITY.md
for what each one stops and what it does not. Before them, the child imports the standard-library modules that
load system libraries (``preload``), and the readable folders include the system's shared-library folders
(``shared_library_dirs``): the layers stop submissions, not legitimate code. ``sandbox_cause`` tells a failure the
confinement caused from one the student did.

1. Resource limits (``resource.setrlimit``): address space, CPU seconds, file size, processes, no core dumps.
   The kernel enforces them; Python code cannot raise a hard limit back.
2. Landlock (Linux >= 5.13, where available): the kernel refuses to open files outside the submission, the
   scratch folder and the Python/NumPy installation, whatever route the open takes (C extensions included);
   writes only in the scratch folder; from ABI 6 on, no signals to processes outside the child.
3. A seccomp filter (Linux x86_64): the kernel refuses fork/vfork/clone (threads excepted), exec, sockets,
   ptrace, signals to any other process (kill/tgkill/pidfd), io_uring, mount, setuid and similar.
4. A PEP 578 audit hook (``sys.addaudithook``), which Python offers no way to remove. It refuses: opening
   files outside the submission, the scratch folder and the Python/NumPy installation (and anything of the
   kit's own: reference, grader, tests, data), importing the kit's ``reference`` or ``grader`` and a list of
   dangerous modules, starting processes, sending signals, sockets, ctypes, finding objects through gc;
   writes only in the scratch folder. It is what turns an attempt into a clear message; layers 2-3
   are what hold when someone finds a C-level path the hook does not see.

The hook is built to survive the code it watches: it uses no module globals, no builtins looked up at call
time and no mutable state, only C functions and immutable values bound when it was made, so monkeypatching
``os``, ``posixpath``, ``builtins`` or this module changes nothing about it.
"""
from __future__ import annotations

import os
import signal
import sys
from types import MappingProxyType

try:  # POSIX only: on native Windows the parent refuses to start a child (grader/sandbox/platform.py)
    import resource
except ImportError:  # pragma: no cover - exercised by faking the platform in tests/test_platform.py
    resource = None

BLOCKED_MODULES = ("reference", "grader", "tests")
# Modules that open files or reach memory from C without the audit events the hook relies on; nothing a
# numerical submission needs. (Modules whose dangerous calls are audited, like subprocess, socket or mmap,
# stay importable: numpy.testing alone imports half the standard library. Their calls are refused below, and
# by the kernel layers where the calls have no audit event, e.g. _posixsubprocess.fork_exec.)
BLOCKED_IMPORTS = (
    "ctypes", "_ctypes", "sqlite3", "_sqlite3", "dbm", "_dbm", "_gdbm", "readline", "ssl", "_ssl",
    "_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase", "_xxsubinterpreters",
    "_xxinterpchannels", "_xxtestfuzz", "_tkinter", "tkinter", "_curses", "curses",
)
BLOCKED_EVENT_PREFIXES = (
    "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "signal.pthread_kill", "pty.", "socket.", "ctypes.", "winreg.", "os.putenv",
    "os.unsetenv", "sys.remote_exec", "webbrowser.", "urllib.", "http.", "ftplib.", "smtplib.", "imaplib.",
    "poplib.", "telnetlib.", "nntplib.", "resource.setrlimit", "resource.prlimit", "os.setuid", "os.setgid",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames", "sys.setprofile",
    "sys.settrace", "sys.addaudithook", "sqlite3.", "os.link", "os.symlink", "shutil.chown", "os.chown",
    "os.chroot", "mmap.", "msvcrt.", "_winapi.", "syslog.", "fcntl.", "os.setxattr", "os.removexattr", "ssl.",
)
# Events whose argument(s) at these positions name paths that are modified.
PATH_WRITE_EVENTS = {  # event: (positions of the paths, positions of dir_fd arguments)
    "os.remove": ((0,), (1,)), "os.rmdir": ((0,), (1,)), "os.mkdir": ((0,), (2,)),
    "os.rename": ((0, 1), (2, 3)), "os.chmod": ((0,), (2,)), "os.truncate": ((0,), ()),
    "os.utime": ((0,), (3,)), "shutil.rmtree": ((0,), (1,)), "shutil.copyfile": ((1,), ()),
    "shutil.copytree": ((1,), ()), "shutil.move": ((0, 1), ()),
}
PATH_READ_EVENTS = {"os.listdir": (0,), "os.scandir": (0,), "glob.glob": (0,), "glob.glob/2": (0,),
                    "os.chdir": (0,), "shutil.copyfile": (0,), "shutil.copytree": (0,), "os.listxattr": (0,),
                    "os.getxattr": (0,)}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class SandboxViolation(PermissionError):
    """Raised inside the student's process when it tries something the grader forbids."""


# -- 0. what legitimate code needs, granted before lockdown -----------------------------------------------

# Modules imported before the layers go up because their first import loads a shared library or reads a file
# from outside the Python installation (hashlib: libcrypto; binascii and zlib: libz), which a confined process
# may not be allowed to do any more; NumPy >= 2.5 imports secrets, hence hashlib, the first time numpy.random
# is used. The rest of the standard library is pure Python, or extension modules in lib-dynload that load only
# from the folders the child may read (below), so it imports fine after lockdown (makemore doctor's probe).
PRELOAD_MODULES = ("secrets", "hashlib", "binascii", "zlib", "random", "math")
# Where the dynamic loader looks for system libraries on Linux and macOS (ld.so(8), dyld(1)). They hold
# public, shared binaries and nothing of the kit's, so reading them is harmless (grader/SECURITY.md).
SYSTEM_LIBRARY_DIRS = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/local/lib",
                       "/etc/ld.so.cache", "/System/Library", "/opt/homebrew/lib")


def preload(modules=PRELOAD_MODULES) -> list[str]:
    """Import ``modules``; returns those that could not be imported here, which is not an error (some builds
    of Python leave a few out). numpy.random itself needs nothing outside NumPy's folder once these are in."""
    import importlib

    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def shared_library_dirs() -> list[str]:
    """The system's shared-library folders that exist here (SYSTEM_LIBRARY_DIRS, and the folders listed in
    /etc/ld.so.conf and the files it includes), real paths, without duplicates."""
    dirs = list(SYSTEM_LIBRARY_DIRS)
    conf_files = ["/etc/ld.so.conf"]
    try:
        conf_files += sorted(os.path.join("/etc/ld.so.conf.d", f) for f in os.listdir("/etc/ld.so.conf.d")
                             if f.endswith(".conf"))
    except OSError:
        pass
    for conf in conf_files:
        try:
            with open(conf, encoding="utf-8", errors="replace") as f:
                dirs += [line.strip() for line in f if line.strip().startswith("/")]
        except OSError:
            pass
    found = []
    for path in dirs:
        real = os.path.realpath(path)
        if os.path.exists(real) and real not in found:
            found.append(real)
    return found


# -- 1. resource limits ----------------------------------------------------------------------------------

def set_limits(memory_bytes: int, cpu_seconds: int, file_bytes: int, processes: int = 0) -> None:
    """Kernel-enforced limits on this process (and anything it could start)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    # A write past the file-size limit then fails with an OSError instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        # Counted per user and not enforced for root: the seccomp filter is what stops fork for root.
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    except (ValueError, OSError):
        pass


# -- 2. landlock -----------------------------------------------------------------------------------------

_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_PR_SET_NO_NEW_PRIVS = 38


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.prctl.restype = ctypes.c_int
    return ctypes, libc


def landlock_read_paths(readable: list[str], forbidden: list[str]) -> list[str]:
    """Landlock grants whole trees and cannot take a subtree back: a readable folder that holds a forbidden
    one (a Python installed above the kit) is replaced by its entries, down the way to the forbidden one,
    leaving that one out. A readable folder inside a forbidden one (a venv inside the kit) stays, as in the
    audit hook, where the most specific folder decides."""
    forbidden = [os.path.realpath(p) for p in forbidden]
    paths: list[str] = []
    for root in (os.path.realpath(p) for p in readable):
        inner = [f for f in forbidden if f == root or f.startswith(root.rstrip("/") + "/")]
        if not inner:
            paths.append(root)
        elif root not in inner:
            try:
                entries = sorted(os.listdir(root))
            except OSError:
                continue
            paths += landlock_read_paths([os.path.join(root, e) for e in entries], forbidden)
    return paths


def install_landlock(read_paths: list[str], write_paths: list[str], devices: list[str]) -> str:
    """Restrict this process's file access (and, from ABI 6, its signals) with Landlock. Returns a short
    description of what was installed, or why not ("unavailable: ...")."""
    if not sys.platform.startswith("linux"):
        return "unavailable: not Linux"
    try:
        ctypes, libc = _libc()
    except Exception as err:  # noqa: BLE001
        return f"unavailable: {err}"
    abi = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return "unavailable: the kernel has no Landlock"
    fs_read = (1 << 2) | (1 << 3)  # READ_FILE, READ_DIR
    fs_all = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
    if abi >= 2:
        fs_all |= 1 << 13  # REFER
    if abi >= 3:
        fs_all |= 1 << 14  # TRUNCATE
    if abi >= 5:
        fs_all |= 1 << 15  # IOCTL_DEV
    net = 0b11 if abi >= 4 else 0  # BIND_TCP, CONNECT_TCP
    scoped = 0b11 if abi >= 6 else 0  # ABSTRACT_UNIX_SOCKET, SIGNAL

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]

    size = 8 if abi < 4 else 16 if abi < 6 else 24
    attr = RulesetAttr(fs_all, net, scoped)
    ruleset = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"unavailable: landlock_create_ruleset failed (errno {ctypes.get_errno()})"
    file_rights = (1 << 1) | (1 << 2) | ((1 << 14) if abi >= 3 else 0)  # WRITE_FILE, READ_FILE, TRUNCATE
    # Writable tree: read, write, create and remove files and folders; no symlinks, devices, sockets, exec.
    tree_write = fs_read | (1 << 1) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8) | ((1 << 14) if abi >= 3 else 0)
    try:
        rules = [(p, fs_read) for p in read_paths] + [(p, tree_write) for p in write_paths]
        rules += [(p, file_rights) for p in devices]
        for path, allowed in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    allowed &= file_rights | 1
                rule = PathBeneath(allowed, fd)
                if libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0) != 0:
                    return f"unavailable: landlock_add_rule({path}) failed (errno {ctypes.get_errno()})"
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return "unavailable: PR_SET_NO_NEW_PRIVS failed"
        if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            return f"unavailable: landlock_restrict_self failed (errno {ctypes.get_errno()})"
    finally:
        os.close(ruleset)
    return f"landlock ABI {abi}" + (" (files, TCP, signals)" if abi >= 6 else " (files)")


# -- 3. seccomp ------------------------------------------------------------------------------------------

_X86_64 = {
    "arch": 0xC000003E,
    # Refused with EPERM.
    "deny": [57, 58, 59, 322,  # fork, vfork, execve, execveat
             200, 129, 297,  # tkill, rt_sigqueueinfo, rt_tgsigqueueinfo
             424, 434, 438,  # pidfd_send_signal, pidfd_open, pidfd_getfd
             41, 101, 310, 311,  # socket, ptrace, process_vm_readv, process_vm_writev
             425, 426, 427,  # io_uring_setup/enter/register (would bypass this filter)
             109, 112,  # setpgid, setsid (leaving the process group the parent kills)
             165, 166, 155, 161, 272, 308,  # mount, umount2, pivot_root, chroot, unshare, setns
             175, 313, 176, 169, 246, 320,  # modules, reboot, kexec
             321, 298, 323,  # bpf, perf_event_open, userfaultfd
             105, 106, 113, 114, 117, 119, 122, 123, 126,  # setuid & co, capset
             133, 259, 303, 304,  # mknod(at), name_to_handle_at, open_by_handle_at
             103, 163, 164, 170, 171, 172, 173, 167, 168, 227, 305],  # syslog, acct, clocks, hostname, io, swap
    "clone": 56, "clone3": 435, "kill": 62, "tgkill": 234, "x32_bit": 0x40000000,
}
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, _SYS_SECCOMP = 1, 1, 317
_RET_ALLOW, _RET_KILL_PROCESS = 0x7FFF0000, 0x80000000
_EPERM, _ENOSYS = 1, 38
_CLONE_THREAD = 0x00010000


def seccomp_program(pid: int) -> list[tuple[int, int, int, int]]:
    """The BPF program, as (code, jt, jf, k) tuples: see install_seccomp."""
    t = _X86_64
    ld_w_abs, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    errno = lambda e: 0x00050000 | e  # noqa: E731 - SECCOMP_RET_ERRNO
    prog = [(ld_w_abs, 0, 0, 4), (jeq, 1, 0, t["arch"]), (ret, 0, 0, _RET_KILL_PROCESS),
            (ld_w_abs, 0, 0, 0), (jge, 0, 1, t["x32_bit"]), (ret, 0, 0, errno(_EPERM))]
    for nr in t["deny"]:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, errno(_EPERM))]
    prog += [(jeq, 0, 1, t["clone3"]), (ret, 0, 0, errno(_ENOSYS))]  # glibc falls back to clone
    # clone: threads only.
    prog += [(jeq, 0, 4, t["clone"]), (ld_w_abs, 0, 0, 16), (jset, 0, 1, _CLONE_THREAD),
             (ret, 0, 0, _RET_ALLOW), (ret, 0, 0, errno(_EPERM))]
    # kill, tgkill: only this process itself (raise(), abort()).
    for nr in (t["kill"], t["tgkill"]):
        prog += [(ld_w_abs, 0, 0, 0), (jeq, 0, 4, nr), (ld_w_abs, 0, 0, 16), (jeq, 0, 1, pid),
                 (ret, 0, 0, _RET_ALLOW), (ret, 0, 0, errno(_EPERM))]
    prog.append((ret, 0, 0, _RET_ALLOW))
    return prog


def install_seccomp() -> str:
    """Install a seccomp filter on this process (all its threads). Returns what was installed or why not."""
    import platform

    if not sys.platform.startswith("linux") or platform.machine() != "x86_64":
        return f"unavailable: the filter is written for Linux x86_64, not {sys.platform} {platform.machine()}"
    try:
        ctypes, libc = _libc()
    except Exception as err:  # noqa: BLE001
        return f"unavailable: {err}"

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    program = seccomp_program(os.getpid())
    filters = (SockFilter * len(program))(*[SockFilter(*ins) for ins in program])
    prog = SockFprog(len(program), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return "unavailable: PR_SET_NO_NEW_PRIVS failed"
    if libc.syscall(_SYS_SECCOMP, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(prog)) != 0:
        return f"unavailable: seccomp failed (errno {ctypes.get_errno()})"
    return "seccomp"


# -- 4. the audit hook -----------------------------------------------------------------------------------

def _make_hook(submission: str, scratch: str, read_roots: tuple, forbidden_roots: tuple):
    """The hook, closed over immutable values and C functions only (see the module docstring).

    Everything is inlined in one function on purpose: a helper function would be reachable from the hook's
    frame (a traceback of a refused call leads there), and a function's closure cells can be rewritten.
    """
    blocked_imports = frozenset(BLOCKED_MODULES + BLOCKED_IMPORTS)
    blocked_prefixes = BLOCKED_EVENT_PREFIXES
    # Read-only views: the hook's frame shows these objects to anyone holding a traceback of a refusal.
    write_events = MappingProxyType(dict(PATH_WRITE_EVENTS))
    read_events = MappingProxyType(dict(PATH_READ_EVENTS))
    write_flags = WRITE_FLAGS
    devices = frozenset({"/dev/null", "/dev/urandom", "/dev/random", "/dev/zero"})
    violation = SandboxViolation
    str_type, bytes_type, int_type, type_, len_ = str, bytes, int, type, len
    startswith, partition, split, join, to_str = str.startswith, str.partition, str.split, str.join, str.__str__
    decode = bytes.decode
    lstat, readlink, getcwd = os.lstat, os.readlink, os.getcwd
    own_roots = (submission, scratch)
    write_roots = (scratch,)

    def hook(event, args):
        if event == "import":
            name = args[0]
            top = partition(name if type_(name) is str_type else to_str(name), ".")[0]
            if top in blocked_imports:
                raise violation(f"the grader does not allow submissions to import {top!r}")
            return
        if event == "object.__getattr__":
            return  # frames lead only to the runner, which holds nothing secret: allowed (see SECURITY.md)
        if startswith(event, blocked_prefixes):
            raise violation(f"the grader does not allow submissions to use {event}")
        # Which paths does this event touch, and how? (position, writing, may it be relative?)
        checks = ()
        if event == "open":
            mode, flags = args[1], args[2]
            writing = False
            if type_(mode) is str_type:
                for c in "wax+":
                    if c in mode:
                        writing = True
            if type_(flags) is int_type and flags & write_flags:
                writing = True
            # os.open (mode None) may take a dir_fd the event does not show: only absolute paths then.
            checks = ((0, writing, mode is not None),)
        else:
            spec = write_events.get(event)
            reads = read_events.get(event)
            if spec is None and reads is None:
                return
            if spec is not None:
                positions, dir_fds = spec
                relative_ok = True
                for i in dir_fds:  # -1 (or None) when no dir_fd was given
                    if i < len_(args) and type_(args[i]) is int_type and args[i] >= 0:
                        relative_ok = False
                checks = tuple((i, True, relative_ok) for i in positions)
            if reads is not None:
                checks = checks + tuple((i, False, True) for i in reads)
        for position, writing, relative_ok in checks:
            if position >= len_(args):
                continue
            target = args[position]
            if target is None or type_(target) is int_type:
                continue  # None: the current folder (checked when entered); int: an open descriptor
            if type_(target) is bytes_type:
                target = decode(target, "utf-8", "surrogateescape")
            elif type_(target) is not str_type:
                raise violation("the grader only allows paths given as str or bytes (use os.fspath first)")
            if not startswith(target, "/"):
                if not relative_ok:
                    raise violation(f"the grader only allows absolute paths with a dir_fd or os.open: {target!r}")
                target = getcwd() + "/" + target
            # realpath, with C functions only: every symlink on the way is followed.
            parts = split(target, "/")
            parts.reverse()
            done = []
            links = 0
            while parts:
                part = parts.pop()
                if part == "" or part == ".":
                    continue
                if part == "..":
                    if done:
                        done.pop()
                    continue
                done.append(part)
                candidate = "/" + join("/", done)
                try:
                    st_mode = lstat(candidate).st_mode
                except OSError:
                    continue
                if st_mode & 0o170000 == 0o120000:
                    links += 1
                    if links > 40:
                        raise violation("the grader does not allow paths through that many symlinks")
                    done.pop()
                    link = readlink(candidate)
                    if startswith(link, "/"):
                        done = []
                    more = split(link, "/")
                    more.reverse()
                    parts.extend(more)
            path = "/" + join("/", done)
            # Where may it go? Reads: the submission and scratch folders, the devices, and otherwise the most
            # specific root that holds the path decides (a venv inside the kit is readable, the kit is not).
            allowed = False
            for root in (write_roots if writing else own_roots):
                if path == root or startswith(path, root + "/"):
                    allowed = True
            if not writing and not allowed:
                allowed = path in devices
                if not allowed:
                    deepest_read = deepest_forbidden = -1
                    for root in read_roots:
                        if (path == root or startswith(path, root + "/")) and len_(root) > deepest_read:
                            deepest_read = len_(root)
                    for root in forbidden_roots:
                        if (path == root or startswith(path, root + "/")) and len_(root) > deepest_forbidden:
                            deepest_forbidden = len_(root)
                    allowed = deepest_read > deepest_forbidden
            if writing and not allowed and path in devices and event == "open":
                allowed = True
            if not allowed:
                if writing:
                    raise violation(f"the grader does not allow submissions to write to {path} "
                                    "(only the scratch folder, its working directory, is writable)")
                raise violation(f"the grader does not allow submissions to read {path}")

    return hook


def install_audit_hook(submission: str, scratch: str, readable: list[str], forbidden: list[str]) -> None:
    """Refuse, from now on and for good, what a submission has no business doing (see the module docstring).

    submission: the student's folder (read only); scratch: the only writable folder; readable: other folders
    that may be read (the Python and NumPy installation); forbidden: folders that may never be read, even
    inside a readable one (the kit's own files), unless inside the submission.
    """
    realpath = os.path.realpath
    hook = _make_hook(realpath(submission), realpath(scratch), tuple(sorted({realpath(p) for p in readable})),
                      tuple(realpath(p) for p in forbidden))
    sys.addaudithook(hook)
