from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from fairlane.accounts import services
from fairlane.accounts.forms import LoginForm, RegisterForm
from fairlane.accounts.middleware import LOGIN_AT_KEY
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Throttled
from fairlane.web.http import form_add_api_error


def _status_for(error: ApiError) -> int:
    return 429 if isinstance(error, Throttled) else 400


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.login_check(request=request, username=data["username"], password=data["password"])
            device = None
            if user.is_office_staff:
                device = services.staff_otp_device(user, data["otp_token"])
                if device is None:
                    raise ApiError(
                        "mfa_required",
                        "",
                        {"otp_token": _("Staff must enter the current code of their authenticator.")},
                    )
        except ApiError as error:
            form_add_api_error(form, error)
            return render(request, "accounts/login.html", {"form": form}, status=_status_for(error))
        login(request, user)  # rotates the session id
        request.session[LOGIN_AT_KEY] = time.time()
        if device is not None:
            otp_login(request, device)
            audit_record(action=AuditAction.LOGIN_SUCCEEDED, actor=user, office=user.office, obj=user)
        next_url = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            return redirect(next_url)
        # Office staff start at their office's records; everyone else at their own.
        return redirect(
            "registry:staff_licence_list" if user.is_office_staff and user.office_id else "web:home"
        )
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:index")


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "send_code":
                services.sms_code_send(phone=data["phone"], ip=services.client_ip(request))
                messages.success(
                    request, _("A 6-digit code was sent to your phone. It is valid for 10 minutes.")
                )
                return render(request, "accounts/register.html", {"form": form, "code_sent": True})
            user = services.account_register(
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                code=data["code"],
                password=data["password"],
                plate=data["plate"],
                vin=data["vin"],
                ip=services.client_ip(request),
            )
        except ApiError as error:
            form_add_api_error(form, error)
            return render(request, "accounts/register.html", {"form": form}, status=_status_for(error))
        login(request, user)
        request.session[LOGIN_AT_KEY] = time.time()
        messages.success(request, _("Welcome! Your account is bound to your ID number."))
        return redirect("web:home")
    return render(request, "accounts/register.html", {"form": form})
