"""The destination picker every form uses: a kind, then a target of that kind (searchable).

``DestinationField`` reads ``<name>-kind`` and ``<name>-target`` (or ``<name>`` holding the
stored text, as API clients and tests send it) into the stored text ("voicemail:201"); the
service validates it through the registry. The target list is the ``_destination_targets``
partial, swapped by htmx when the kind or the search changes.
"""
from flask import render_template, request
from wtforms.fields import Field

from appliance import destinations, phone_numbers
from web.access import current_actor, role_required
from web.plugins import translate


def target_choices(kind_name, search=""):
    """Return ``[(target, label)]`` the current user may pick for ``kind_name``."""
    return [(choice.target, choice.label) for choice in destinations.choices(kind_name, current_actor(), search)]


def kind_choices():
    """Return ``[(kind name, translated title)]`` the current user may pick from."""
    return [(kind.name, translate(kind.title)) for kind in destinations.kinds_for(current_actor())]


class DestinationField(Field):
    """A destination: its data is the stored text, e.g. ``"extension:201"`` or ``"hangup"``."""

    def process(self, formdata, data=None, extra_filters=None):
        """Take the stored text from ``<name>``, or compose it from ``<name>-kind`` and ``<name>-target``."""
        self.process_errors = []
        self.object_data = data
        self.data = data if data is not None else (self.default or "hangup")
        if formdata is None:
            return
        if self.name in formdata:
            self.data = formdata.get(self.name, "").strip()
        elif f"{self.name}-kind" in formdata:
            kind = formdata.get(f"{self.name}-kind", "").strip()
            target = formdata.get(f"{self.name}-target", "").strip()
            if kind == "external":  # typed as people write it: (11) 98765-4321
                target = phone_numbers.normalize(target) or target
            self.data = f"{kind}:{target}" if target else kind

    @property
    def kind(self):
        """Return the kind of the current value (the picker's first select)."""
        return self.data.partition(":")[0] if self.data else "hangup"

    @property
    def target(self):
        """Return the target of the current value (the picker's second select)."""
        return self.data.partition(":")[2] if self.data else ""


def init_app(app):
    """Serve the picker's target list to admins."""

    @app.route("/destinations/targets")
    @role_required("admin")
    def destination_targets():
        """Return the target options for the picker's kind and search (an htmx partial)."""
        name = request.args.get("field", "destination")
        kind = request.args.get(f"{name}-kind", "")
        search = request.args.get(f"{name}-q", "").strip()[:40]
        return render_template("_partials/_destination_targets.html", name=name, kind=kind,
                               choices=target_choices(kind, search), selected="")

    app.jinja_env.globals.update(destination_kinds=kind_choices, destination_targets=target_choices)
