"""The error tree: every error a client can see, with its RESP code and Redis's exact text.

Nothing here formats RESP: the RESP encoder writes ``-<code> <message>``, REST and gRPC map the classes
to status codes with one table each.
"""

from __future__ import annotations

# Message constants, byte-for-byte as Redis 7 writes them (without the leading code).
WRONGTYPE_MSG = "Operation against a key holding the wrong kind of value"
SYNTAX_MSG = "syntax error"
NOT_INTEGER_MSG = "value is not an integer or out of range"
NOT_FLOAT_MSG = "value is not a valid float"
OVERFLOW_MSG = "increment or decrement would overflow"
NO_SUCH_KEY_MSG = "no such key"
INDEX_OUT_OF_RANGE_MSG = "index out of range"
INVALID_EXPIRE_MSG = "invalid expire time in '{}' command"
DB_INDEX_MSG = "DB index is out of range"
NOAUTH_MSG = "Authentication required."
WRONGPASS_MSG = "invalid username-password pair or user is disabled."
NOPASS_MSG = (
    "AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?"
)
OOM_MSG = "command not allowed when used memory > 'maxmemory'."
BIT_OFFSET_MSG = "bit offset is not an integer or out of range"
BIT_VALUE_MSG = "bit is not an integer or out of range"
STRING_TOO_LONG_MSG = "string exceeds maximum allowed size (proto-max-bulk-len)"
NAN_MSG = "resulting score is not a number (NaN)"
MIN_MAX_FLOAT_MSG = "min or max is not a float"
MIN_MAX_LEX_MSG = "min or max not valid string range item"


class RedVectorError(Exception):
    """Base of every error a client may see. ``code`` is the first word of the RESP error line."""

    code = "ERR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def resp_line(self) -> str:
        return f"{self.code} {self.message}"


class CodedError(RedVectorError):
    """An error whose code is not ERR (for example BUSYGROUP, NOSCRIPT, EXECABORT, LOADING)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ScriptError(RedVectorError):
    """An error a Lua script replies or raises, written as the script (or Redis's script runner) made the
    whole line: its first word is whatever code the script chose (``-bad thing``, ``-ERR ... script:``)."""

    def resp_line(self) -> str:
        return self.message


class WrongType(RedVectorError):
    code = "WRONGTYPE"

    def __init__(self) -> None:
        super().__init__(WRONGTYPE_MSG)


class SyntaxErr(RedVectorError):
    def __init__(self) -> None:
        super().__init__(SYNTAX_MSG)


class NotInteger(RedVectorError):
    def __init__(self) -> None:
        super().__init__(NOT_INTEGER_MSG)


class NotFloat(RedVectorError):
    def __init__(self) -> None:
        super().__init__(NOT_FLOAT_MSG)


class NoSuchKey(RedVectorError, LookupError):
    def __init__(self) -> None:
        super().__init__(NO_SUCH_KEY_MSG)


class WrongArity(RedVectorError):
    def __init__(self, command: str, exact: bool = False) -> None:
        # Redis names its own commands in lower case, a module's as the module registered them (FT.SEARCH).
        super().__init__(f"wrong number of arguments for '{command if exact else command.lower()}' command")


class UnknownCommand(RedVectorError):
    def __init__(self, argv: list[bytes]) -> None:
        name = _printable(argv[0]) if argv else ""
        # Redis: "'<arg>' " per argument, so the line ends with a space.
        args = "".join(f"'{_printable(a)}' " for a in argv[1:])
        super().__init__(f"unknown command '{name}', with args beginning with: {args}")


class UnknownSubcommand(RedVectorError):
    def __init__(self, command: str, sub: bytes) -> None:
        super().__init__(
            f"unknown subcommand '{_printable(sub)}'. Try {command.upper()} HELP."
        )


class NoAuth(RedVectorError):
    code = "NOAUTH"

    def __init__(self) -> None:
        super().__init__(NOAUTH_MSG)


class WrongPass(RedVectorError):
    code = "WRONGPASS"

    def __init__(self) -> None:
        super().__init__(WRONGPASS_MSG)


class OutOfMemory(RedVectorError):
    code = "OOM"

    def __init__(self) -> None:
        super().__init__(OOM_MSG)


class ExecAbort(RedVectorError):
    code = "EXECABORT"

    def __init__(self) -> None:
        super().__init__("Transaction discarded because of previous errors.")


class ProtocolError(RedVectorError):
    """Malformed RESP input: answered once, then the connection is closed (as Redis does)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Protocol error: {detail}")


class NotFound(RedVectorError, LookupError):
    """A named thing (index, collection, point) does not exist. REST 404, gRPC NOT_FOUND."""


class AlreadyExists(RedVectorError):
    """Creating something that exists. REST 409, gRPC ALREADY_EXISTS."""


class BadRequest(RedVectorError, ValueError):
    """Invalid input in the vector API (dimension, id, filter). REST 400, gRPC INVALID_ARGUMENT."""


class Unprocessable(BadRequest):
    """Well-formed input that fails validation (Qdrant's "Validation error in JSON body"). REST 422."""


class Unauthorized(RedVectorError):
    """A REST/gRPC request without the required api key. REST 401, gRPC UNAUTHENTICATED."""


class Forbidden(RedVectorError):
    """A REST/gRPC request with a wrong api key. REST 403, gRPC PERMISSION_DENIED."""


class ReadOnlyReplica(RedVectorError):
    """A write on a read-only replica (Redis's READONLY). REST 403, gRPC FAILED_PRECONDITION."""

    code = "READONLY"

    def __init__(self) -> None:
        super().__init__("You can't write against a read only replica.")


class PayloadTooLarge(RedVectorError):
    """A request body over ``max-request-body``. REST 413, gRPC RESOURCE_EXHAUSTED."""


class ConfigError(RedVectorError, ValueError):
    """A bad configuration directive or value."""


class SearchError(RedVectorError):
    """A RediSearch (FT.*) error: its text goes on the wire as is, without an ``ERR`` code, as the
    module's ``RedisModule_ReplyWithError`` does (e.g. ``-Index already exists``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = message.split(" ", 1)[0]

    def resp_line(self) -> str:
        return self.message


class NoSuchIndex(SearchError, LookupError):
    """A missing search index (REST 404). Text varies by command, as in RediSearch 2.10."""



class JsonError(RedVectorError):
    """A RedisJSON (JSON.*) error: its text goes on the wire as RedisJSON writes it, some lines with an
    ``ERR`` prefix in the text (``ERR Path '$.x' does not exist``), most without (``expected value at line
    1 column 1``, ``Existing key has wrong Redis type``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = message.split(" ", 1)[0]

    def resp_line(self) -> str:
        return self.message

# RediSearch messages (2.10 / 8.2 wording).
INDEX_EXISTS_MSG = "Index already exists"
UNKNOWN_INDEX_MSG = "Unknown index name"
UNKNOWN_INDEX_CAP_MSG = "Unknown Index name"
NO_SUCH_INDEX_MSG = "{}: no such index"


def _printable(arg: bytes) -> str:
    # Redis truncates each shown argument to 128 bytes and escapes nothing fancy here.
    return arg[:128].decode("utf-8", "replace")
