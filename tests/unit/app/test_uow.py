"""The unit of work (app/core/uow.py): one commit at the end of the outermost call, a rollback
on any exception, nested calls joining, named checkpoints; and no commit or rollback written
by hand anywhere else in app/."""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app.core import uow

ROOT = Path(__file__).resolve().parents[3]


class Base(so.DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "note"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    text: so.Mapped[str] = so.mapped_column(sa.String(50), unique=True)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    # A file, so that a second connection sees only what was committed.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[so.Session]:
    with so.Session(engine) as session:
        yield session


def committed(engine: sa.Engine) -> list[str]:
    """What another connection sees: only committed rows."""
    with engine.connect() as connection:
        return list(connection.scalars(sa.select(Note.text).order_by(Note.id)))


def count_commits(session: so.Session) -> list[int]:
    commits: list[int] = []
    sa.event.listen(session, "after_commit", lambda _s: commits.append(1))
    return commits


@uow.transactional
def add_note(session: so.Session, text: str) -> Note:
    note = Note(text=text)
    session.add(note)
    session.flush()
    return note


@uow.transactional
def add_two(session: so.Session, first: str, second: str) -> None:
    add_note(session, first)
    assert uow.depth(session) == 1  # the inner call has ended; the outer unit is still open
    add_note(session, second)


@uow.transactional
def add_then_fail(session: so.Session, text: str) -> None:
    add_note(session, text)  # flushed: a half-written row in the open transaction
    raise LookupError("refused half-way")


def test_a_service_call_commits_once_at_its_end(engine: sa.Engine, session: so.Session) -> None:
    commits = count_commits(session)
    note = add_note(session, "một")
    assert commits == [1]
    assert committed(engine) == ["một"]
    assert note.text == "một"  # still usable after the commit (read again)
    assert uow.depth(session) == 0


def test_nested_calls_join_the_outer_unit(engine: sa.Engine, session: so.Session) -> None:
    commits = count_commits(session)
    seen_inside: list[list[str]] = []

    @uow.transactional
    def outer(session: so.Session) -> None:
        add_note(session, "a")
        seen_inside.append(committed(engine))  # the inner call did not commit
        add_note(session, "b")

    outer(session)
    assert seen_inside == [[]]
    assert commits == [1]
    assert committed(engine) == ["a", "b"]


def test_nested_depth_is_kept_in_session_info(engine: sa.Engine, session: so.Session) -> None:
    add_two(session, "x", "y")
    assert committed(engine) == ["x", "y"]
    assert uow.depth(session) == 0


def test_an_exception_rolls_back_and_keeps_no_half_written_row(
    engine: sa.Engine, session: so.Session
) -> None:
    commits = count_commits(session)
    with pytest.raises(LookupError):
        add_then_fail(session, "nửa chừng")
    assert commits == []
    assert committed(engine) == []
    assert session.scalars(sa.select(Note)).all() == []  # gone from this session too
    assert uow.depth(session) == 0
    add_note(session, "sau đó")  # the session goes on
    assert committed(engine) == ["sau đó"]


def test_a_failing_inner_call_rolls_back_the_whole_unit(
    engine: sa.Engine, session: so.Session
) -> None:
    @uow.transactional
    def outer(session: so.Session) -> None:
        add_note(session, "outer")
        # The unit is rolled back as a whole; what follows starts afresh.
        with contextlib.suppress(LookupError):
            add_then_fail(session, "inner")
        add_note(session, "after")

    outer(session)
    assert committed(engine) == ["after"]


def test_a_refused_commit_rolls_back_and_raises(engine: sa.Engine, session: so.Session) -> None:
    add_note(session, "same")
    with pytest.raises(sqlalchemy.exc.IntegrityError), uow.unit_of_work(session):
        session.add(Note(text="same"))  # flushed only by the commit at the end
    assert uow.depth(session) == 0
    add_note(session, "other")  # rolled back: the session is usable again
    assert committed(engine) == ["same", "other"]


def test_the_context_manager_and_a_session_keyword(engine: sa.Engine, session: so.Session) -> None:
    with uow.unit_of_work(session) as same:
        assert same is session
        add_note(session=session, text="kw")
        assert committed(engine) == []
    assert committed(engine) == ["kw"]


def test_a_service_without_a_session_is_refused() -> None:
    @uow.transactional
    def no_session(value: int) -> int:
        return value

    with pytest.raises(TypeError, match="session first"):
        no_session(1)


def test_a_checkpoint_commits_now_and_the_unit_goes_on(
    engine: sa.Engine, session: so.Session
) -> None:
    seen: list[list[str]] = []

    @uow.transactional
    def publish(session: so.Session) -> None:
        add_note(session, "lease")
        uow.checkpoint(session, "the lease before the slow call")
        seen.append(committed(engine))
        add_then_fail(session, "after the slow call")

    with pytest.raises(LookupError):
        publish(session)
    assert seen == [["lease"]]
    assert committed(engine) == ["lease"]  # kept: only what came after is rolled back


def test_checkpoint_and_discard_say_why(session: so.Session) -> None:
    with pytest.raises(ValueError, match="why"):
        uow.checkpoint(session, " ")
    with pytest.raises(ValueError, match="why"):
        uow.discard(session, "")


def test_discard_drops_what_the_transaction_holds(engine: sa.Engine, session: so.Session) -> None:
    with uow.unit_of_work(session):
        session.add(Note(text="dropped"))
        session.flush()
        uow.discard(session, "nothing to keep")
        session.add(Note(text="kept"))
    assert committed(engine) == ["kept"]


# --- no commit or rollback by hand --------------------------------------------------------

# Files allowed to commit by hand while a conversion is under way (none now): a file listed
# here must still commit, so the list cannot go stale.
ALLOWED: set[str] = set()


def _calls(path: Path, names: set[str]) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ]


def _app_files() -> list[Path]:
    return sorted((ROOT / "app").rglob("*.py"))


def test_nothing_in_app_commits_or_rolls_back_by_hand() -> None:
    found = []
    for path in _app_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative == "app/core/uow.py" or relative in ALLOWED:
            continue
        found += [
            f"{relative}:{line}: .{name}()" for line, name in _calls(path, {"commit", "rollback"})
        ]
    assert found == [], "use app.core.uow (transactional, checkpoint, discard):\n" + "\n".join(
        found
    )


def test_the_allow_list_holds_only_files_that_still_commit() -> None:
    for relative in ALLOWED:
        assert _calls(ROOT / relative, {"commit", "rollback"}), f"{relative}: drop it from ALLOWED"


def test_every_checkpoint_and_discard_names_its_reason() -> None:
    unnamed = []
    for path in _app_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"checkpoint", "discard"}
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "uow"
            ):
                why = node.args[1] if len(node.args) > 1 else None
                if not (isinstance(why, ast.Constant) and str(why.value).strip()):
                    unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unnamed == []
