"""The demo's accredited hospitals and the certificates they sent, and its licensed
agencies with the office's fee caps.

Called by the demo seeder once offices, citizens, licences and the demo accounts exist.
Names, codes and addresses are invented. The certificates go through
`health_certificate_send`, as a hospital's clerk would send them, so they are validated
and on the audit chain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from django.db import transaction
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.agencies import rules
from fairlane.agencies.authorisations import (
    authorisation_close,
    authorisation_confirm,
    authorisation_request,
    code_digest,
)
from fairlane.agencies.complaints import authorisation_fee_confirm
from fairlane.agencies.licensing import agency_apply, agency_fee_publish, agency_license, fee_cap_set
from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyKind,
    AgencyMember,
    AgencyStatus,
    Authorisation,
)
from fairlane.agencies.services import health_certificate_send
from fairlane.applications.demo import demo_photo, settled_licence_holders
from fairlane.applications.materials import material_upload
from fairlane.applications.models import Application, DeliveryMethod, MaterialKind
from fairlane.applications.services import application_checkout, application_create, delivery_choose
from fairlane.catalogue.selectors import published_item
from fairlane.core.testdata import make_credit_code
from fairlane.core.validators import credit_code_check_char, organization_code_check_char
from fairlane.payments.services import payment_start, simulated_payment_decide
from fairlane.registry.models import DriverLicence, Office
from fairlane.registry.rules import add_years

OTHER_HOLDERS: Final = 5  # licence holders besides the demo citizen who had a medical check
UNFIT_HOLDERS: Final = 1  # of those, found not fit to drive
DEMO_CERTIFICATE_AGE_DAYS: Final = 12  # the demo citizen's check was this many days ago


@dataclass(frozen=True)
class DemoHospital:
    name: str
    public: bool  # a public hospital (事业单位, code 12…) or a private check-up centre (91…)
    region: str
    address: str
    phone: str


DEMO_HOSPITALS: Final = (
    DemoHospital("上海市申江医院", True, "310104", "上海市徐汇区龙吴路2310号", "021-64081230"),
    DemoHospital("上海东滨健康体检中心", False, "310115", "上海市浦东新区张杨路1288号", "021-58301266"),
)


def public_institution_credit_code(rng: random.Random, *, region: str) -> str:
    """A valid unified social credit code of a public institution (事业单位, "12…")."""
    body = rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(7))
    first17 = f"12{region}{body}{organization_code_check_char(body)}"
    return first17 + credit_code_check_char(first17)


@transaction.atomic
def demo_hospitals_seed(*, hospital_member_phone: str, renewal_citizen_phone: str, seed: int) -> Agency:
    """Create the demo hospitals, licensed by the main office from three years ago to two
    years ahead, bind the demo hospital account to the first, and send from it a fit C1
    certificate for the demo citizen (so licence renewal can be shown) and a few for other
    licence holders, one of them unfit. Returns the hospital of the demo account."""
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not a secret
    today = timezone.localdate()
    office = Office.objects.filter(kind=Office.Kind.MAIN).order_by("pk").first()
    if office is None:
        raise RuntimeError("seed the offices before the hospitals")
    hospitals = [
        Agency.objects.create(
            kind=AgencyKind.HOSPITAL,
            name=hospital.name,
            credit_code=(
                public_institution_credit_code(rng, region=hospital.region)
                if hospital.public
                else make_credit_code(rng, region=hospital.region)
            ),
            address=hospital.address,
            phone=hospital.phone,
            office=office,
            status=AgencyStatus.LICENSED,
            licensed_from=add_years(today, -3),
            licensed_until=add_years(today, 2),
        )
        for hospital in DEMO_HOSPITALS
    ]
    member = User.objects.get(phone=hospital_member_phone)
    AgencyMember.objects.create(user=member, agency=hospitals[0])

    citizen = User.objects.get(phone=renewal_citizen_phone)
    health_certificate_send(
        actor=member,
        id_number=citizen.id_number,
        holder_name=citizen.name,
        issued_on=today - timedelta(days=DEMO_CERTIFICATE_AGE_DAYS),
        fit_to_drive=True,
        classes_fit="C1",
    )
    licences = list(
        DriverLicence.objects.exclude(id_number=citizen.id_number)
        .order_by("pk")
        .values_list("id_number", "holder_name", "classes")[:200]
    )
    for position, (id_number, holder_name, classes) in enumerate(
        rng.sample(licences, k=min(OTHER_HOLDERS, len(licences)))
    ):
        fit = position >= UNFIT_HOLDERS
        health_certificate_send(
            actor=member,
            id_number=id_number,
            holder_name=holder_name,
            issued_on=today - timedelta(days=rng.randint(0, 150)),
            fit_to_drive=fit,
            classes_fit=classes if fit else "",
        )
    return hospitals[0]


# --- licensed agencies (issue 7) ------------------------------------------------------------

DEMO_AGENCY_NAME: Final = "申城机动车代办服务有限公司"
DEMO_POST_POINT_NAME: Final = "上海邮政徐汇营业部代办点"
# The office's caps and the demo agency's fees, in fen: item code -> (cap, fee).
DEMO_FEES: Final = {
    "DL-RENEW": (20_000, 18_000),
    "DL-LOST": (15_000, 12_000),
    "VH-INSPECT-BOOK": (10_000, 8_000),
    "VH-TRANSFER-BOOK": (30_000, 25_000),
}
DEMO_POST_FEE: Final = ("DL-RENEW", 6_000)  # the post office point charges postage and service only


@transaction.atomic
def demo_agencies_seed(
    *, manager_phone: str, supervisor_phone: str, reviewer_phone: str, seed: int, keep_phone: str = ""
) -> Agency | None:
    """The office's fee caps, a licensed agency managed by the demo agent account with its
    fees published, and a post office point for licence renewal; the agency, or None
    before the catalogue is published. Done through the services, as the supervisor, the
    applicant and the reviewer would, with a few clients' work (never the account with
    `keep_phone`, whose business is theirs to try); run again, it changes nothing."""
    existing = Agency.objects.filter(name=DEMO_AGENCY_NAME).first()
    if existing is not None:
        return existing
    if any(published_item(code) is None for code in DEMO_FEES):
        return None
    rng = random.Random(seed + 7)  # noqa: S311 - repeatable demo data, not a secret
    office = Office.objects.filter(kind=Office.Kind.MAIN).order_by("pk").first()
    if office is None:
        raise RuntimeError("seed the offices before the agencies")
    supervisor = User.objects.get(phone=supervisor_phone)
    reviewer = User.objects.get(phone=reviewer_phone)
    manager = User.objects.get(phone=manager_phone)
    for code, (cap, _fee) in DEMO_FEES.items():
        fee_cap_set(actor=supervisor, item_code=code, cap_fen=cap)
    agency = agency_apply(
        actor=manager,
        kind=AgencyKind.AGENCY,
        name=DEMO_AGENCY_NAME,
        credit_code=make_credit_code(rng, region="310104"),
        address="上海市徐汇区漕溪北路88号101室",
        phone="021-64001234",
        contact_name=manager.name,
        office=office,
        item_codes=list(DEMO_FEES),
        staff_phones=[],
    )
    today = timezone.localdate()
    start = today - timedelta(days=180)
    agency = agency_license(
        actor=reviewer,
        agency=agency,
        licensed_from=start,
        licensed_until=add_years(start, 3) - timedelta(days=1),
    )
    manager.refresh_from_db()
    for code, (_cap, fee) in DEMO_FEES.items():
        agency_fee_publish(actor=manager, item_code=code, fee_fen=fee)
    # No demo account manages the post office point: it is licensed as the office would
    # have licensed it, with its one fee under the cap.
    post = Agency.objects.create(
        kind=AgencyKind.POST,
        name=DEMO_POST_POINT_NAME,
        credit_code=make_credit_code(rng, region="310104"),
        address="上海市徐汇区衡山路900号",
        phone="021-64370000",
        office=office,
        status=AgencyStatus.LICENSED,
        licensed_from=start,
        licensed_until=add_years(start, 3) - timedelta(days=1),
        applied_items=[DEMO_POST_FEE[0]],
        status_changed_at=timezone.now(),
    )
    AgencyItem.objects.create(
        agency=post, item_code=DEMO_POST_FEE[0], fee_fen=DEMO_POST_FEE[1], published_at=timezone.now()
    )
    demo_agency_activity_seed(agent=manager, office=office, keep_phone=keep_phone)
    return agency


# --- the demo agency's work ------------------------------------------------------------------

DEMO_LOST_FEE: Final = DEMO_FEES["DL-LOST"][1]
DEMO_OVERCHARGE: Final = 20_000  # what the first client says they paid: more than agreed
DEMO_CODE: Final = "246810"  # the code "their phone received": the demo has no phone to read


def _clients(count: int, *, keep_phone: str) -> list[User]:
    """Licence holders with a licence valid for a while yet and no application of their own."""
    return list(settled_licence_holders(exclude_phone=keep_phone).exclude(applications__isnull=False)[:count])


def _asked(agent: User, client: User) -> Authorisation:
    return authorisation_request(
        actor=agent,
        id_number=client.id_number,
        name=client.name,
        item_codes=["DL-LOST"],
        fee_fen=DEMO_LOST_FEE,
        days=30,
    )


def _confirmed(agent: User, client: User) -> Authorisation:
    """Asked and confirmed with the code, as the client would type it from the SMS."""
    authorisation = _asked(agent, client)
    authorisation.code_hash = code_digest(authorisation, DEMO_CODE)
    authorisation.code_expires_at = timezone.now() + rules.CODE_TTL
    authorisation.save(update_fields=["code_hash", "code_expires_at"])
    return authorisation_confirm(actor=client, authorisation=authorisation, code=DEMO_CODE)


def _filed(agent: User, client: User, office: Office) -> Application:
    return application_create(
        applicant=client,
        agent=agent,
        item_code="DL-LOST",
        office=office,
        form_data={"lost": True, "declaration": True},
    )


def demo_agency_activity_seed(*, agent: User, office: Office, keep_phone: str) -> int:
    """Three clients of the demo agency, so its oversight figures and the complaint queue
    have something on them: a replacement the agent filed, paid and closed, whose client
    says they paid more than agreed (a complaint opens); a replacement still a draft; and
    a request the client has not answered. How many clients; 0 when there are too few
    licence holders."""
    clients = _clients(3, keep_phone=keep_phone)
    if len(clients) < 3:
        return 0
    done, drafting, waiting = clients

    authorisation = _confirmed(agent, done)
    application = _filed(agent, done, office)
    delivery_choose(
        actor=agent,
        application=application,
        method=DeliveryMethod.MAIL,
        recipient_name=done.name,
        recipient_phone=done.phone,
        address="上海市徐汇区天钥桥路580号3号楼502室",
    )
    material_upload(actor=agent, application=application, kind=MaterialKind.PHOTO, upload=demo_photo())
    order = application_checkout(actor=agent, application=application)
    if order is not None:
        payment_start(actor=agent, order=order)
        order.refresh_from_db()
        simulated_payment_decide(actor=agent, gateway_reference=order.gateway_reference, pay=True)
    authorisation_close(actor=agent, authorisation=authorisation)
    authorisation.refresh_from_db()
    authorisation_fee_confirm(actor=done, authorisation=authorisation, paid_fen=DEMO_OVERCHARGE, rating=2)

    _confirmed(agent, drafting)
    _filed(agent, drafting, office)
    _asked(agent, waiting)
    return len(clients)
