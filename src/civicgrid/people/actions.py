"""Audit action codes of the household register."""

from django.utils.translation import gettext_lazy as _

from civicgrid.core.audit import register_action

UNMASKED = register_action("people.resident.unmasked", _("viewed a full ID number or phone"))
CHANGE_SUBMITTED = register_action("people.change.submitted", _("submitted a register change"))
CHANGE_CONFIRMED = register_action("people.change.confirmed", _("confirmed a register change"))
CHANGE_REJECTED = register_action("people.change.rejected", _("rejected a register change"))
IMPORTED = register_action("people.register.imported", _("imported residents from Excel"))
EXPORTED = register_action("people.register.exported", _("exported a list of residents"))
