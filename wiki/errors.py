"""Domain errors: raised by the lower layers, turned into themed HTTP pages by app.py."""
from __future__ import annotations

import errno  # (built in: nothing to load on a cached CGI view)


class WikiError(Exception):
    """Base of every error a user can cause; `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"


class InvalidPageName(WikiError, ValueError):
    status = 400
    title = "Invalid page name"


class PageNotFound(WikiError):
    status = 404
    title = "Page not found"

    def __init__(self, name: str, message: str = "") -> None:
        super().__init__(message or f"There is no page named {name!r}.")
        self.name = name


class PageDeleted(PageNotFound):
    """The page existed and its latest revision is a deletion; its history remains."""

    title = "Page deleted"

    def __init__(self, name: str, revision: int) -> None:
        super().__init__(name, f"The page {name!r} was deleted in revision {revision}.")
        self.revision = revision


class RevisionNotFound(PageNotFound):
    title = "Revision not found"

    def __init__(self, name: str, revision: int) -> None:
        super().__init__(name, f"The page {name!r} has no revision {revision}.")
        self.revision = revision


class EditConflict(WikiError):
    """Someone saved the page after the editor loaded it; nothing was written."""

    status = 409
    title = "Edit conflict"

    def __init__(self, name: str, base_revision: int, current_revision: int) -> None:
        super().__init__(
            f"{name!r} was changed to revision {current_revision} "
            f"while you were editing revision {base_revision}."
        )
        self.name = name
        self.base_revision = base_revision
        self.current_revision = current_revision


class PageExists(WikiError):
    """The target of a rename already has a page (or a history) of its own."""

    status = 409
    title = "Page exists"


class PermissionDenied(WikiError):
    status = 403
    title = "Forbidden"


class SignInRequired(PermissionDenied):
    """Refused to an anonymous reader: the error page offers to sign in."""


class TooManyRequests(WikiError):
    """Over a rate limit: nothing was done; `retry_after` seconds until it frees up."""

    status = 429
    title = "Too many requests"
    WHAT = {"save": "changes", "login": "sign-in attempts", "register": "registrations"}

    def __init__(self, action: str, retry_after: int) -> None:
        what = self.WHAT.get(action, action)
        super().__init__(f"Too many {what} from here in a short time. Nothing was done; "
                         f"try again in {retry_after} seconds.")
        self.retry_after = retry_after


class BadRequest(WikiError):
    status = 400
    title = "Bad request"


class PayloadTooLarge(WikiError):
    status = 413
    title = "Too large"


class PageBusy(WikiError):
    """Another change holds the page's lock longer than we wait: try again shortly."""

    status = 503
    title = "Page busy"

    def __init__(self, name: str, waited: float) -> None:
        super().__init__(
            f"The page {name!r} is busy: another change has held it for over {waited:g} s. "
            "Nothing was changed; try again in a moment."
        )
        self.name = name


class StorageFull(WikiError):
    """The disk holding the data directory is full (ENOSPC, EDQUOT)."""

    status = 507
    title = "Disk full"


class QuotaExceeded(WikiError):
    """An upload would take more than a limit on attachments allows (the message says which)."""

    status = 507
    title = "Attachment limit reached"


class StorageUnavailable(WikiError):
    """The data directory cannot be written (read-only mount, permissions)."""

    status = 503
    title = "Storage not writable"


def storage_error(error: OSError, what: str) -> WikiError | None:
    """The domain error for a failed write to the data directory, naming `what`; None when
    the OSError is not about the disk refusing writes (then it is a real bug to report)."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(f"{what}: the disk holding the wiki's data is full. Nothing was changed.")
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageUnavailable(f"{what}: the wiki's data directory cannot be written right now "
                                  f"({error.strerror}). Nothing was changed.")
    return None


class DiskError(StorageUnavailable):
    """The disk answered an error other than refusing writes (EIO above all: a failing disk;
    EFBIG, EMFILE, ENOMEM...): the change was not made, and trying again later may work."""

    title = "Storage error"


# What a disk (or the system under it) may answer any call: a failing disk's EIO, a file past
# the size the file system takes, no descriptors or memory left, a network file system gone.
DISK_ERRNOS = frozenset(getattr(errno, name) for name in (
    "EIO", "EFBIG", "EMFILE", "ENFILE", "ENOMEM", "ENOBUFS", "ESTALE", "ETIMEDOUT", "EAGAIN", "EBUSY", "ENXIO",
    "EINTR", "EOVERFLOW", "ENOLCK", "EDEADLK", "EMLINK") if hasattr(errno, name))


def disk_error(error: OSError, what: str) -> WikiError | None:
    """The domain error for an OSError a disk may return, met before a change's commit point:
    507 for space, 503 for the rest, naming the file and the errno, never a bare 500. None for
    one no disk returns by itself (a folder where a file should be): that is a bug, a 500."""
    known = storage_error(error, what)
    if known is not None:
        return known
    if error.errno not in DISK_ERRNOS:
        return None
    name = errno.errorcode.get(error.errno or 0, "error")
    where = f" at {error.filename}" if error.filename else ""
    return DiskError(f"{what}: the disk answered {name} ({error.strerror or error}){where}. Nothing was changed; "
                     "try again in a moment.")


def tell_operator(message: str) -> None:
    """One line (or a traceback) for the server's error log, best effort: when the log sits on
    the disk that just failed, writing it must not turn a stored change into an error answer."""
    import sys

    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
