"""The server side of `proxyrm lab`: Debian's jupyter-server + jupyterlab-server serving the
front end bundled in dist/ (recipe: shared/recipes/jupyterlab-host.md §5).

`proxyrm lab` runs it as a script with /usr/bin/python3 and passes the folders through
environment variables, so this file holds no project paths:
  PROXYRM_LAB_DIST      this package's dist/ (static/, schemas/, themes/)
  PROXYRM_LAB_STATE     project-local state: share/jupyter/{labextensions,kernels}/, user-settings/, workspaces/
"""
import json
import os

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.zmqhandlers import WebSocketMixin
from jupyterlab_server import LabServerApp
from tornado import web
from tornado.websocket import WebSocketHandler
from traitlets import default

DIST = os.environ["PROXYRM_LAB_DIST"]
STATE = os.environ["PROXYRM_LAB_STATE"]


class MeHandler(APIHandler):
    """jupyter-server 1.x has no identity API; the front end asks for one at start."""

    @web.authenticated
    def get(self):
        self.finish(json.dumps({
            "identity": {"username": "proxyrm", "name": "proxyrm", "display_name": "proxyrm",
                         "initials": "P", "avatar_url": None, "color": None},
            "permissions": {},
        }))


class EventsHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """jupyter-server 1.x has no event bus; an authenticated socket that stays silent."""

    def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        return super().get(*args, **kwargs)

    def on_message(self, message):
        pass


class LabHostApp(LabServerApp):
    name = "labhost"
    app_name = "proxyrm lab"
    app_version = "4.6.4"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False

    @default("static_dir")
    def _static_dir(self):
        return os.path.join(DIST, "static")

    @default("templates_dir")
    def _templates_dir(self):
        return os.path.join(DIST, "static")

    @default("schemas_dir")
    def _schemas_dir(self):
        return os.path.join(DIST, "schemas")

    @default("themes_dir")
    def _themes_dir(self):
        return os.path.join(DIST, "themes")

    @default("labextensions_path")
    def _labextensions_path(self):
        return [os.path.join(STATE, "share", "jupyter", "labextensions")]

    @default("app_settings_dir")
    def _app_settings_dir(self):
        # Shipped with this package: page_config.json disables plugins whose providers are not bundled.
        return os.path.join(os.path.dirname(os.path.abspath(__file__)), "app-settings")

    @default("user_settings_dir")
    def _user_settings_dir(self):
        return os.path.join(STATE, "user-settings")

    @default("workspaces_dir")
    def _workspaces_dir(self):
        return os.path.join(STATE, "workspaces")

    def initialize_handlers(self):
        page_config = self.serverapp.web_app.settings.setdefault("page_config_data", {})
        page_config["token"] = self.serverapp.token
        page_config["exposeAppInBrowser"] = True
        page_config["buildAvailable"] = False
        page_config["buildCheck"] = False
        page_config["notebookVersion"] = "[7, 0, 0]"
        self.handlers.append(("/api/me", MeHandler))
        self.handlers.append(("/api/events/subscribe", EventsHandler))
        super().initialize_handlers()


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": LabHostApp}]


if __name__ == "__main__":
    LabHostApp.launch_instance()
