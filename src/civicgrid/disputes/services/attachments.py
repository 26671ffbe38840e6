"""Files given with a dispute (evidence, a referral letter): photos cleaned by core.photos, PDFs
checked by their content; stored through Django's storage under a digest, never by their name."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core import photos
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.disputes.models import Attachment, Dispute
from civicgrid.disputes.services.common import is_own_mediator, text
from civicgrid.workflow import services as flows

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_DISPUTE = 30


def _pdf(data: bytes) -> bool:
    """A PDF starts with its header and ends with an end-of-file marker (trailing bytes allowed)."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def add_attachment(
    *, dispute: Dispute, name: str, data: bytes, by: Any, now: datetime | None = None
) -> Attachment:
    """Keep one file with the dispute, for those who take disputes in or mediate it."""
    require(by, Cap.DISPUTES_VIEW)
    if not (by.can(Cap.DISPUTES_INTAKE) or is_own_mediator(dispute, by)):
        require(by, Cap.DISPUTES_INTAKE)
    name = text(name or "file", field="name", max_length=120)
    if len(data) > MAX_BYTES:
        raise DomainError("disputes.file_too_large", _("A file may be at most 10 MB."))
    if Attachment.objects.filter(dispute=dispute).count() >= MAX_PER_DISPUTE:
        raise DomainError("disputes.too_many_files", _("At most 30 files per dispute."))
    if _pdf(data):
        content, content_type, extension = data, "application/pdf", "pdf"
    else:
        photo = photos.clean_photo(data)  # refuses anything that is not a real photo
        content, content_type, extension = photo.content, f"image/{photo.extension.replace('jpg', 'jpeg')}", photo.extension  # fmt: skip
    digest = hashlib.sha256(content).hexdigest()
    stored = f"disputes/{digest[:2]}/{digest}.{extension}"
    now = now or timezone.now()
    with transaction.atomic():
        if not default_storage.exists(stored):
            stored = default_storage.save(stored, ContentFile(content))
        found = Attachment.objects.create(
            dispute=dispute, name=name, file=stored, content_type=content_type,
            size=len(content), sha256=digest, uploaded_at=now,
        )  # fmt: skip
        flows.attach(flow=dispute.flow, name=name, ref=stored, by=by, now=now)
    return found
