"""System → TLS certificate: the certificate nginx serves, a replacement (files or pasted PEM), a new
self-signed one (services/tls_certificate.py, decision 051). The private key is never shown again: a refused
form comes back without it."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import TextAreaField

from appliance.errors import DomainError, ValidationError
from appliance.services import tls_certificate
from web.access import current_actor, role_required
from web.admin import bp
from web.forms import Form, apply_errors
from web.plugins import translate_error

_LIMITS = {"certificate": tls_certificate.MAX_CERT_BYTES, "chain": tls_certificate.MAX_CERT_BYTES,
           "private_key": tls_certificate.MAX_KEY_BYTES}


class CertificateForm(Form):
    """A certificate (+ chain) and its private key, each as a file or pasted PEM (a file wins)."""

    certificate_file = FileField(_l("Certificate file (PEM)"))
    certificate = TextAreaField(_l("Certificate (PEM)"))
    chain_file = FileField(_l("Chain file (PEM, optional)"))
    chain = TextAreaField(_l("Intermediate certificates (PEM, optional)"))
    private_key_file = FileField(_l("Private key file (PEM)"))
    private_key = TextAreaField(_l("Private key (PEM)"))


def _value(form, name):
    upload = getattr(form, f"{name}_file").data
    if upload and getattr(upload, "filename", ""):
        return upload.stream.read(_LIMITS[name] + 1)  # bounded: the service says "too large" past the limit
    return getattr(form, name).data or ""


def _page(form, status=200):
    conf = current_app.config
    form.private_key.data = ""  # never sent back to the browser
    info = tls_certificate.current(conf)
    return render_template("admin/tls/page.html", form=form, info=info, folder=conf.get("TLS_DIR") or "",
                           reload_failure=tls_certificate.reload_failure(conf)), status


def _flash_installed(info, done):
    flash(done, "success")
    for message, params in info.warnings:
        flash(gettext(message) % params if params else gettext(message), "warning")


@bp.route("/tls-certificate", methods=["GET", "POST"])
@role_required("admin")
def tls_certificate_page():
    """Show the certificate in force; replace it with an uploaded or pasted one."""
    form = CertificateForm()
    if form.validate_on_submit():
        try:
            info = tls_certificate.replace(current_app.config, _value(form, "certificate"), _value(form, "chain"),
                                           _value(form, "private_key"), current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            form.form_errors.append(translate_error(error))
        else:
            _flash_installed(info, gettext("Certificate installed. The web server uses it within seconds."))
            return redirect(url_for("admin.tls_certificate_page"))
    return _page(form, form.status)


@bp.route("/tls-certificate/self-signed", methods=["POST"])
@role_required("admin")
def tls_self_signed():
    """Replace the certificate by a new self-signed one for this box."""
    form = Form()
    if form.validate_on_submit():
        try:
            info = tls_certificate.regenerate_self_signed(current_app.config, current_actor())
        except DomainError as error:
            flash(translate_error(error), "error")
        else:
            _flash_installed(info, gettext("A new self-signed certificate is installed. Browsers will warn about "
                                           "it until you accept it again."))
    return redirect(url_for("admin.tls_certificate_page"))
