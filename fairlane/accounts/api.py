from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status

from fairlane.accounts import services
from fairlane.core.masking import mask_id_number, mask_phone

router = Router(tags=["auth"], auth=None)


class SmsCodeIn(Schema):
    phone: str


class RegisterIn(Schema):
    name: str
    id_number: str
    phone: str
    code: str
    password: str
    # Vehicle owners may confirm one vehicle registered to their ID number; both or neither.
    plate: str = ""
    vin: str = ""


class RegisteredOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class SentOut(Schema):
    sent: bool


@router.post("/sms-code", response={200: SentOut})
def sms_code(request: HttpRequest, payload: SmsCodeIn) -> SentOut:
    services.sms_code_send(phone=payload.phone, ip=services.client_ip(request))
    return SentOut(sent=True)


@router.post("/register", response={201: RegisteredOut})
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    user = services.account_register(
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        code=payload.code,
        password=payload.password,
        plate=payload.plate,
        vin=payload.vin,
        ip=services.client_ip(request),
    )
    # Masked even for the owner: the response may be logged by proxies on the way.
    return Status(
        201,
        RegisteredOut(
            id=user.pk, name=user.name, id_number=mask_id_number(user.id_number), phone=mask_phone(user.phone)
        ),
    )


@router.post("/token", response={200: TokenOut})
def token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    return TokenOut(
        token=services.api_token_issue(request=request, username=payload.username, password=payload.password)
    )
