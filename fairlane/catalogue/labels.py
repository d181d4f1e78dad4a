"""What the catalogue's codes are called on the page."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.catalogue.schema import Applicant, Category, Channel, Regulation

CATEGORY: dict[str, Promise] = {
    Category.LICENCE: _("Driving licence"),
    Category.LEARNER: _("Learning to drive and exams"),
    Category.VEHICLE: _("Vehicles"),
    Category.VIOLATION: _("Violations and accidents"),
}
CHANNEL: dict[str, Promise] = {
    Channel.ONLINE: _("Fully online"),
    Channel.ONLINE_MAIL: _("Online, the document comes by post"),
    Channel.BOOKED_VISIT: _("Book online, then one visit to an office"),
    Channel.WINDOW: _("At any office window"),
}
APPLICANT: dict[str, Promise] = {
    Applicant.SELF_ONLY: _("Only the person themself"),
    Applicant.AGENT_ALLOWED: _("The person, or a licensed agent they authorised"),
    Applicant.OFFICIAL_CHANNEL: _("The person, an authorised agent, or an official service point"),
}
REGULATION: dict[str, Promise] = {
    Regulation.L_DL: _("Provisions on the Application for and Use of Motor Vehicle Driving Licences"),
    Regulation.L_VR: _("Provisions on Motor Vehicle Registration"),
    Regulation.L_PT: _("Measures on Scoring Road Traffic Safety Violations"),
    Regulation.L_VP: _("Provisions on Procedures for Handling Road Traffic Safety Violations"),
    Regulation.L_AC: _("Provisions on Procedures for Handling Road Traffic Accidents"),
    Regulation.L_RTSL: _("Road Traffic Safety Law"),
    Regulation.L_IR: _("Regulations for the Implementation of the Road Traffic Safety Law"),
    Regulation.L_APL: _("Administrative Penalty Law"),
}
