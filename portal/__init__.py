"""Onestop: the customer team portal."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config as config_module
from . import database
from .extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config_module.load(Path(app.instance_path), config))
    database.configure(app)

    db.init_app(app)
    from .requests.search import include_object

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), include_object=include_object)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are revoked by version instead
    csrf.init_app(app)
    limiter.init_app(app)

    from . import caching, static_files, web
    from .requests import activity, last_contact, timeline

    # Session hooks: the cache stamps, Team.activity and Account.last_contact_at; a mapper
    # hook: each entry's drawn body.
    caching.install(app)
    activity.install()
    last_contact.install()
    timeline.install()
    web.install(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    static_files.install(app)

    from .cli import register as register_cli

    register_cli(app)

    from .access import check_every_view_has_a_policy

    check_every_view_has_a_policy(app)
    from .revalidation import check_registered_policies

    check_registered_policies(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .customer import bp as customer_bp
    from .handoffs import bp as handoffs_bp
    from .inbox import bp as inbox_bp
    from .insights import bp as insights_bp
    from .invitations import bp as invitations_bp
    from .main import bp as main_bp
    from .notifications import bp as notifications_bp
    from .procedures import bp as procedures_bp
    from .reference_group import bp as reference_bp
    from .relationships import bp as relationships_bp
    from .team_mail.views import bp as team_mail_bp
    from .workspace import bp as workspace_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(customer_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(handoffs_bp)
    app.register_blueprint(procedures_bp)
    app.register_blueprint(reference_bp)
    app.register_blueprint(insights_bp)
    app.register_blueprint(team_mail_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(relationships_bp)
    from . import api
    from .account_tiers import bp as account_tiers_bp
    from .api_tokens import bp as api_tokens_bp
    from .webhooks import bp as webhooks_bp
    from .webhooks import delivery as webhook_delivery

    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(account_tiers_bp)
    from .follow_ups import bp as follow_ups_bp

    app.register_blueprint(follow_ups_bp)
    api.install(app)
    webhook_delivery.install(app)


def _register_template_helpers(app: Flask) -> None:
    from . import reader_zone
    from .caching import drawn
    from .forms import TYPING_ATTRS, shortcuts_on
    from .htmx import is_partial
    from .inbox import timelines
    from .navigation import navigation_for
    from .requests.files import INLINE_TYPES
    from .richtext import render_markdown

    app.jinja_env.globals["is_partial"] = is_partial
    app.jinja_env.globals["inline_file_types"] = INLINE_TYPES
    app.jinja_env.globals["shortcuts_on"] = shortcuts_on
    app.jinja_env.globals["typing_attrs"] = TYPING_ATTRS
    app.jinja_env.globals["timeline_drawn"] = timelines.drawn
    app.jinja_env.globals["drawn"] = drawn
    app.jinja_env.filters["markdown"] = render_markdown
    reader_zone.install(app)

    @app.context_processor
    def page_context():
        from flask_login import current_user

        return {"navigation": navigation_for(current_user)}
