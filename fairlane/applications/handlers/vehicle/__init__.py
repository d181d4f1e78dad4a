"""Handlers of the vehicle items (L-VR, 机动车登记规定).

Plates, the vehicle licence and the registration certificate are replaced by the office
where the vehicle is registered (第51–52条; documents.py); inspection marks by any office
(第54–57条; marks.py); temporary plates (第46–47条; temporary_plate.py) within limits that
local regulations may make stricter; contact details (contact.py). shared.py holds what they
have in common, among it `vehicle_update`, the one way they change a vehicle.
"""

from __future__ import annotations

from fairlane.applications.handlers.base import Handler
from fairlane.applications.handlers.vehicle.contact import ContactChange
from fairlane.applications.handlers.vehicle.documents import (
    CertificateReplacement,
    PlatesDamaged,
    PlatesLost,
    VehicleLicenceReplacement,
)
from fairlane.applications.handlers.vehicle.marks import ExemptMark, MarkReplacement
from fairlane.applications.handlers.vehicle.temporary_plate import TemporaryPlate

HANDLERS: list[Handler] = [
    PlatesLost(),
    PlatesDamaged(),
    VehicleLicenceReplacement(),
    CertificateReplacement(),
    MarkReplacement(),
    ExemptMark(),
    TemporaryPlate(),
    ContactChange(),
]
