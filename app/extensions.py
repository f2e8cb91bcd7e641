"""Flask extensions, created unbound here and bound to an app in the factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flask_babel
import flask_login
import flask_migrate
import flask_sqlalchemy
import flask_wtf.csrf
import sqlalchemy as sa
import sqlalchemy.orm as so

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = flask_sqlalchemy.SQLAlchemy(model_class=Base)

# The models' base class: flask-sqlalchemy's ``db.Model`` (a subclass of ``Base`` it makes at
# run time), which the type checker knows only as ``Base``.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def session() -> so.Session:
    """The database session of the current request, command or task (``db.session``'s)."""
    return db.session()


migrate = flask_migrate.Migrate()
login_manager = flask_login.LoginManager()
csrf = flask_wtf.csrf.CSRFProtect()
babel = flask_babel.Babel()


def include_in_migrations(dialect_name: str) -> Any:
    """Alembic ``include_object``: leave out schema items meant for another database.

    An index declared with ``.ddl_if(dialect="postgresql")`` exists only there, so
    autogenerate and the model/migration comparison must not expect it on SQLite.
    """

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        return not (ddl_if is not None and ddl_if.dialect and ddl_if.dialect != dialect_name)

    return include_object
