"""URLs remembered per process (portal/urls.py) are the URLs Flask builds."""

from flask import Flask, url_for


def _flask_builds(app, endpoint, **values):
    return Flask.url_for(app, endpoint, **values)


def test_a_remembered_url_is_the_one_flask_builds(app):
    app.clear_remembered_urls()
    cases = [
        ("inbox.index", {"team_id": 3}),
        ("inbox.index", {"team_id": 3, "view": "mine"}),
        ("inbox.index", {"team_id": 3, "view": "mine", "q": "a b&c"}),
        ("inbox.index", {"team_id": 3, "seen": True}),
        ("inbox.index", {"team_id": 3, "seen": 1}),  # equal to True as a key, not as a URL
        ("static", {"filename": "onestop.css"}),
    ]
    with app.test_request_context("/"):
        for endpoint, values in cases:
            for _ in range(2):  # built, then remembered
                assert url_for(endpoint, **values) == _flask_builds(app, endpoint, **values)
        assert url_for("inbox.index", team_id=3, seen=True).endswith("seen=True")
        assert url_for("inbox.index", team_id=3, seen=1).endswith("seen=1")


def test_the_script_root_and_blueprint_are_part_of_the_url(app):
    app.clear_remembered_urls()
    with app.test_request_context("/teams/3/inbox"):
        plain = url_for("inbox.index", team_id=3)
        relative = url_for(".index", team_id=3)  # the request's blueprint: inbox
    with app.test_request_context("/portal/", base_url="http://localhost/onestop"):
        assert url_for("inbox.index", team_id=3) == "/onestop" + plain
        assert url_for(".home") == "/onestop/portal/"  # customer's, not the inbox's
    assert relative == plain


def test_external_urls_and_unhashable_arguments_are_built_each_time(app):
    app.clear_remembered_urls()
    with app.test_request_context("/", base_url="https://portal.example"):
        assert url_for("customer.home", _external=True) == "https://portal.example/portal/"
        listed = url_for("inbox.index", team_id=3, view=["open", "mine"])
        assert listed == _flask_builds(app, "inbox.index", team_id=3, view=["open", "mine"])
    assert len(app._urls) == 0


def test_macro_imports_see_the_globals_jinja_would_give_them(app):
    """PortalTemplate only skips Jinja's key-by-key check when it would find nothing: the
    same renders, in the same order, give the same output with Jinja's own class."""
    from jinja2 import DictLoader, Environment

    from portal.urls import PortalTemplate

    templates = {
        "macros.html": "{% macro shout() %}{{ word|default('none') }}!{% endmacro %}",
        "page.html": '{% from "macros.html" import shout %}{{ shout() }}',
        "own.html": '{% from "macros.html" import shout %}{{ shout() }}',
    }

    def renders(template_class):
        env = Environment(loader=DictLoader(templates), autoescape=True)
        if template_class:
            env.template_class = template_class
        out = [env.get_template("page.html").render()]
        env.globals["word"] = "later"
        out.append(env.get_template("page.html").render())
        # A global only the importing template has reaches the imported macros.
        out.append(env.get_template("own.html", globals={"own": "mine"}).render())
        return out

    assert renders(PortalTemplate) == renders(None) == ["none!", "none!", "later!"]
    assert isinstance(app.jinja_env.get_template("base.html"), PortalTemplate)
