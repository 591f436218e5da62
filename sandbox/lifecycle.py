"""One way to use every sandbox server in a `with` block: started on entry, stopped on exit."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Service:
    """A server the sandbox starts and stops; subclasses define both."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
