"""Form helpers shared by every area: showing domain errors on WTForms fields."""
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from web.plugins import translate


def apply_errors(form, error):
    """Attach a ValidationError's field messages to ``form``; fields it lacks go to form-level errors."""
    for name, (message, params) in error.fields.items():
        text = translate(message, params)
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [text]
        else:
            form.form_errors.append(text)


class Form(FlaskForm):
    """Base form: CSRF on, plus room for errors that belong to no single field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_errors = []

    @property
    def status(self):
        """Return the HTTP status of the page showing this form: 422 once it holds an error, else 200."""
        return 422 if self.errors or self.form_errors else 200


def choices(pairs):
    """Turn ``(value, label)`` pairs into select options."""
    return [SelectChoice(value, label) for value, label in pairs]
