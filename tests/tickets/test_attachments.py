"""Case attachments (tickets/attachments/services.py and their pages and API): the type is
decided by the content, never the name; size limits; random private storage with a
sanitised original name and a SHA-256; who may attach (staff who see the case, the
customer on their own case, the portal for a customer without an account); downloads only
through permission-checked views (404 out of scope, `attachment` + `nosniff`); the
customer-facing selector; the archive's data export; the multipart API."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from drf_spectacular.generators import SchemaGenerator
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient

from aftersales.models import Notification
from customers import services as archive_services
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import open_ticket, service_standard
from tickets.attachments import selectors, services
from tickets.attachments.api import urls as attachment_api_urls
from tickets.models import Attachment, TicketEvent

pytestmark = pytest.mark.django_db
API = "/api/v1"


def image(kind: str, size: tuple[int, int] = (2, 2), **options) -> bytes:
    """A real image of `kind` (PIL format name), as a camera or phone would send."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=kind, **options)
    return out.getvalue()


PNG, JPEG, GIF, WEBP = (image(kind) for kind in ("PNG", "JPEG", "GIF", "WEBP"))
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 40
TEXT = "洗衣机 serial SN-42, noise since 3 March.\n".encode()
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
SVG_XML = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40
SCRIPT = b"#!/bin/sh\nrm -rf /\n"
QUICKTIME = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 20


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """An upload as the browser sends it (its declared type is ignored by the service)."""
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def standard(unit_tree, manager_user):
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    return service_standard(
        author=author, approver=manager_user, owner_unit=unit_tree["co"]
    )


@pytest.fixture
def zhang(agent_user, customer_user):
    """Zhang Wei's archive, with his portal login."""
    archive = customer(actor=agent_user, name="Zhang Wei")
    archive.user = customer_user
    archive.save(update_fields=["user"])
    return archive


@pytest.fixture
def case(standard, agent_user, zhang):
    """A repair Li (hotline agent) opened for Zhang."""
    return open_ticket(actor=agent_user, customer=zhang, title="Noisy washer")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "suffix"),
    [
        ("photo.jpeg", JPEG, "image/jpeg", ".jpg"),
        ("photo.png", PNG, "image/png", ".png"),
        ("anim.gif", GIF, "image/gif", ".gif"),
        ("photo.webp", WEBP, "image/webp", ".webp"),
        ("invoice.pdf", PDF, "application/pdf", ".pdf"),
        ("notes.txt", TEXT, "text/plain", ".txt"),
        ("noise.mp4", MP4, "video/mp4", ".mp4"),
    ],
)
def test_each_accepted_type_is_stored_under_a_random_name_with_its_extension(
    case, agent_user, name, content, content_type, suffix, media_root
):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload(name, content)
    )
    assert attachment.content_type == content_type
    assert re.fullmatch(
        rf"tickets/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}{re.escape(suffix)}",
        attachment.file.name,
    )
    stored = (media_root / attachment.file.name).read_bytes()
    assert attachment.size == len(stored)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    if content_type.startswith("image/"):  # written again, without metadata
        assert (
            Image.open(io.BytesIO(stored)).size == Image.open(io.BytesIO(content)).size
        )
    else:
        assert stored == content


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned (rotate 90° to show)
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    return exif.tobytes()


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright(case, agent_user):
    photo = image("JPEG", (40, 20), exif=_exif_with_gps())
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # the GPS is there
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("IMG_0001.jpg", photo)
    )
    stored = Image.open(attachment.file.open("rb"))
    assert dict(stored.getexif()) == {}
    assert stored.size == (20, 40)  # upright: the orientation was applied, then dropped
    assert stored.format == "JPEG"


def test_a_png_loses_its_text_chunks(case, agent_user):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 1 Lane")
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("p.png", image("PNG", pnginfo=info))
    )
    stored = Image.open(attachment.file.open("rb"))
    assert "Comment" not in stored.info
    assert b"home address" not in attachment.file.open("rb").read()


def _huge_png(width: int, height: int) -> bytes:
    """A valid PNG header of `width` × `height` one-bit pixels with a tiny body: a few
    hundred bytes that would take gigabytes to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1000)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))  # fmt: skip


@pytest.mark.parametrize("size", [(30_000, 30_000), (8_000, 6_000)])
def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(
    case, agent_user, size, media_root
):
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            ticket=case, actor=agent_user, file=upload("bomb.png", _huge_png(*size))
        )
    assert refused.value.message_dict["file"] == [
        "The image is too large: at most 40 megapixels."
    ]
    assert stored_files(media_root) == []


def test_a_broken_image_is_refused(case, agent_user):
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            ticket=case, actor=agent_user, file=upload("b.png", broken)
        )
    assert refused.value.message_dict["file"] == ["This image cannot be read."]


def test_invisible_formatting_characters_are_taken_out_of_file_names(case, agent_user):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user,
        file=upload("invoice\u202egpj.exe\u200b.txt", TEXT),
    )  # fmt: skip
    assert attachment.original_name == "invoicegpj.exe.txt"


def test_a_png_named_pdf_is_accepted_as_a_png(case, agent_user):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("scan.pdf", PNG, "application/pdf")
    )
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")
    assert attachment.original_name == "scan.pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", HTML),
        ("drawing.svg", SVG),
        ("drawing.png", SVG_XML),
        ("notes.txt", HTML),
        ("tool.pdf", ELF),
        ("setup.jpg", WINDOWS_EXE),
        ("notes.txt", SCRIPT),
        ("clip.mp4", QUICKTIME),
    ],
    ids=["html-as-jpg", "svg", "svg-xml-as-png", "html-as-txt", "elf", "exe", "script",
         "quicktime"],
)  # fmt: skip
def test_markup_programs_and_unknown_types_are_refused_whatever_their_name(
    case, agent_user, name, content, media_root
):
    events = TicketEvent.objects.filter(ticket=case).count()
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            ticket=case, actor=agent_user, file=upload(name, content)
        )
    assert "file" in refused.value.message_dict
    assert Attachment.objects.count() == 0
    assert TicketEvent.objects.filter(ticket=case).count() == events
    assert stored_files(media_root) == []


def test_a_file_over_the_limit_is_refused(case, agent_user, settings, media_root):
    settings.AFTERSALES_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            ticket=case, actor=agent_user, file=upload("big.png", PNG + b"\x00" * 100)
        )
    assert refused.value.message_dict["file"] == [
        "The file is larger than 100\xa0bytes."
    ]
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []
    # exactly at the limit is fine
    services.attachment_add(
        ticket=case, actor=agent_user, file=upload("ok.png", PNG.ljust(100, b"\x00"))
    )
    assert Attachment.objects.count() == 1


def test_the_limit_is_ten_mebibytes_unless_set(settings):
    if hasattr(django_settings, "AFTERSALES_ATTACHMENT_MAX_BYTES"):
        del settings.AFTERSALES_ATTACHMENT_MAX_BYTES
    assert services.attachment_max_bytes() == 10 * 1024 * 1024


def test_an_empty_file_is_refused(case, agent_user):
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            ticket=case, actor=agent_user, file=upload("e.txt", b"")
        )
    assert "file" in refused.value.message_dict


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/pa\x00ss<wd>.txt", "pa_ss_wd_.txt"),
        ("C:\\Users\\li\\发票 2026.pdf", "发票 2026.pdf"),
        ('say "hi".txt', "say _hi_.txt"),
        ("...", "file"),
    ],
)
def test_the_original_name_is_sanitised(case, agent_user, raw, clean):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload(raw, TEXT)
    )
    assert attachment.original_name == clean


def test_a_staff_upload_records_an_event_public_only_when_the_file_is(case, agent_user):
    internal = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("i.png", PNG)
    )
    shared = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("s.png", PNG), public=True
    )
    events = TicketEvent.objects.filter(
        ticket=case, type=TicketEvent.Type.ATTACHMENT
    ).order_by("pk")
    assert [(e.data["attachment"], e.public, e.actor) for e in events] == [
        (internal.pk, False, agent_user),
        (shared.pk, True, agent_user),
    ]
    assert internal.uploaded_by == agent_user


# --- Who may attach ---------------------------------------------------------------------------


def test_staff_outside_the_case_scope_cannot_attach(case, technician_user, media_root):
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            ticket=case, actor=technician_user, file=upload("p.png", PNG)
        )
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_customer_attaches_to_their_own_case_and_it_is_always_public(
    case, customer_user, agent_user
):
    attachment = services.attachment_add(
        ticket=case, actor=customer_user, file=upload("p.png", PNG), public=False
    )
    assert attachment.public is True
    assert attachment.uploaded_by == customer_user
    assert Notification.objects.filter(
        recipient=agent_user, kind="attachment_added"
    ).exists()


def test_a_customer_cannot_attach_to_someone_elses_case(
    standard, agent_user, customer_user
):
    other = open_ticket(
        actor=agent_user, customer=customer(actor=agent_user, name="Li Na")
    )
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            ticket=other, actor=customer_user, file=upload("p.png", PNG)
        )
    assert Attachment.objects.count() == 0


def test_the_portal_attaches_for_a_customer_without_an_account(case, agent_user):
    attachment = services.attachment_add(
        ticket=case, actor=None, file=upload("p.png", PNG), public=True
    )
    assert (attachment.public, attachment.uploaded_by) == (True, None)
    event = TicketEvent.objects.get(ticket=case, type=TicketEvent.Type.ATTACHMENT)
    assert (event.actor, event.public) == (None, True)
    assert (
        Notification.objects.filter(
            recipient=agent_user, kind="attachment_added"
        ).count()
        == 1
    )


# --- Private storage and downloads ----------------------------------------------------------


def test_files_are_stored_privately_and_not_served_from_a_public_path(
    case, agent_user, client, media_root
):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("p.png", PNG)
    )
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(media_root.resolve())
    public_roots = [
        Path(django_settings.STATIC_ROOT),
        *map(Path, django_settings.STATICFILES_DIRS),
    ]
    assert not any(path.is_relative_to(root.resolve()) for root in public_roots)
    client.force_login(agent_user)
    assert (
        client.get(f"{django_settings.MEDIA_URL}{attachment.file.name}").status_code
        == 404
    )


def test_download_is_404_for_an_agent_of_another_unit(
    case, agent_user, client, unit_tree
):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("p.png", PNG)
    )
    stranger = UserFactory(roles=["agent"], units=[UnitFactory(parent=unit_tree["br"])])
    client.force_login(stranger)
    url = reverse("tickets:attachment-download", args=[case.number, attachment.pk])
    assert client.get(url).status_code == 404


def test_download_for_the_owner_is_an_attachment_with_nosniff(case, agent_user, client):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("scan.pdf", PNG)
    )
    client.force_login(agent_user)
    response = client.get(
        reverse("tickets:attachment-download", args=[case.number, attachment.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf.png"'


def test_download_of_a_file_of_another_case_by_its_id_is_404(
    case, standard, agent_user, client
):
    other = open_ticket(actor=agent_user, customer=case.customer, title="Other")
    attachment = services.attachment_add(
        ticket=other, actor=agent_user, file=upload("p.png", PNG)
    )
    client.force_login(agent_user)
    url = reverse("tickets:attachment-download", args=[case.number, attachment.pk])
    assert client.get(url).status_code == 404


def test_customers_get_403_from_the_staff_download(
    case, agent_user, customer_user, client
):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("p.png", PNG), public=True
    )
    client.force_login(customer_user)
    url = reverse("tickets:attachment-download", args=[case.number, attachment.pk])
    assert client.get(url).status_code == 403


def test_the_customer_selector_gives_only_public_files_of_their_cases(
    case, standard, agent_user
):
    shared = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("s.png", PNG), public=True
    )
    internal = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("i.png", PNG)
    )
    someone_else = customer(actor=agent_user, name="Li Na")
    assert selectors.attachment_get_for_customer(pk=shared.pk, ticket=case) == shared
    assert (
        selectors.attachment_get_for_customer(pk=shared.pk, customer=case.customer)
        == shared
    )
    for kwargs in (
        {"pk": internal.pk, "ticket": case},
        {"pk": shared.pk, "customer": someone_else},
        {"pk": shared.pk},
    ):
        with pytest.raises(Http404):
            selectors.attachment_get_for_customer(**kwargs)


# --- Pages ----------------------------------------------------------------------------------


def test_upload_from_the_case_page(case, agent_user, client):
    client.force_login(agent_user)
    response = client.post(
        reverse("tickets:attachment-upload", args=[case.number]),
        {"file": upload("photo.jpg", JPEG), "public": "on"},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(ticket=case)
    assert (attachment.content_type, attachment.public) == ("image/jpeg", True)
    page = client.get(case.get_absolute_url())
    assert (
        reverse("tickets:attachment-download", args=[case.number, attachment.pk])
        in page.content.decode()
    )


def test_a_refused_upload_from_the_case_page_says_why_and_stores_nothing(
    case, agent_user, client
):
    client.force_login(agent_user)
    response = client.post(
        reverse("tickets:attachment-upload", args=[case.number]),
        {"file": upload("photo.jpg", HTML)},
        follow=True,
    )
    assert "This type of file is not accepted" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_the_case_page_query_count_does_not_grow_with_files(case, agent_user, client):
    client.force_login(agent_user)
    services.attachment_add(ticket=case, actor=agent_user, file=upload("1.png", PNG))
    with CaptureQueriesContext(connection) as one:
        assert client.get(case.get_absolute_url()).status_code == 200
    for n in range(4):
        services.attachment_add(
            ticket=case, actor=agent_user, file=upload(f"{n}.png", PNG), public=True
        )
    with CaptureQueriesContext(connection) as five:
        client.get(case.get_absolute_url())
    # the timeline gets one event per file, rendered from the same queries
    assert len(five) == len(one)


# --- Customer data export ------------------------------------------------------------------


def test_the_archive_export_includes_the_files_shared_with_the_customer(
    case, agent_user, manager_user, client
):
    shared = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("photo.png", PNG), public=True
    )
    services.attachment_add(
        ticket=case, actor=agent_user, file=upload("internal.pdf", PDF)
    )
    files = dict(archive_services.customer_attachments(customer=case.customer))
    assert files == {f"{case.number}/{shared.pk}-photo.png": PNG}
    client.force_login(manager_user)
    response = client.get(
        reverse("customers:customer-data-export", args=[case.customer.pk])
        + "?format=zip"
    )
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert (
        f"customer-{case.customer.pk}/attachments/{case.number}/{shared.pk}-photo.png"
        in names
    )


# --- API ------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_upload_is_multipart_and_returns_the_file(case, agent_user):
    response = api_for(agent_user).post(
        f"{API}/tickets/{case.number}/attachments/",
        {"file": upload("scan.pdf", PNG), "public": "true"},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    attachment = Attachment.objects.get()
    assert body["id"] == attachment.pk
    assert body["original_name"] == "scan.pdf"
    assert body["content_type"] == "image/png"
    assert body["size"] == len(PNG)
    assert body["public"] is True
    assert body["uploaded_by"] == agent_user.pk
    assert body["uploaded_at"]
    assert body["download_url"].endswith(f"{API}/attachments/{attachment.pk}/download/")


def test_api_lists_the_files_of_a_case_by_id_or_number(case, agent_user):
    services.attachment_add(ticket=case, actor=agent_user, file=upload("a.png", PNG))
    services.attachment_add(ticket=case, actor=agent_user, file=upload("b.pdf", PDF))
    client = api_for(agent_user)
    for key in (case.pk, case.number):
        body = client.get(f"{API}/tickets/{key}/attachments/").json()
        assert body["count"] == 2
        assert [r["original_name"] for r in body["results"]] == ["a.png", "b.pdf"]


@pytest.mark.parametrize(
    "payload",
    [{"file": "bad"}, {}, {"public": "true"}],
    ids=["html", "missing", "no-file"],
)
def test_api_refuses_a_bad_file_with_400_file_errors(case, agent_user, payload):
    if payload.get("file") == "bad":
        payload = {"file": upload("photo.jpg", HTML)}
    response = api_for(agent_user).post(
        f"{API}/tickets/{case.pk}/attachments/", payload, format="multipart"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert Attachment.objects.count() == 0


def test_api_download_checks_scope_and_sets_safe_headers(
    case, agent_user, technician_user
):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("notes.txt", TEXT)
    )
    url = f"{API}/attachments/{attachment.pk}/download/"
    response = api_for(agent_user).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TEXT
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    stranger = api_for(technician_user)
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"{API}/attachments/{attachment.pk}/").status_code == 404
    assert stranger.get(f"{API}/tickets/{case.pk}/attachments/").status_code == 404
    refused = stranger.post(
        f"{API}/tickets/{case.pk}/attachments/",
        {"file": upload("p.png", PNG)},
        format="multipart",
    )
    assert refused.status_code == 404
    assert Attachment.objects.count() == 1


def test_api_is_closed_to_customers(case, customer_user, agent_user):
    attachment = services.attachment_add(
        ticket=case, actor=agent_user, file=upload("p.png", PNG), public=True
    )
    client = api_for(customer_user)
    assert client.get(f"{API}/attachments/{attachment.pk}/download/").status_code == 403
    assert client.get(f"{API}/tickets/{case.pk}/attachments/").status_code == 403


def test_api_list_query_count_is_flat(case, agent_user, django_assert_max_num_queries):
    client = api_for(agent_user)
    services.attachment_add(ticket=case, actor=agent_user, file=upload("a.png", PNG))
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}/tickets/{case.pk}/attachments/")
    for n in range(4):
        services.attachment_add(
            ticket=case, actor=agent_user, file=upload(f"{n}.png", PNG)
        )
    with django_assert_max_num_queries(len(one)):
        assert client.get(f"{API}/tickets/{case.pk}/attachments/").json()["count"] == 5


def test_the_schema_builds_for_the_attachment_routes():
    """Only these routes: the whole schema is checked elsewhere."""
    generator = SchemaGenerator(
        patterns=[path("api/v1/", include(attachment_api_urls.urlpatterns))]
    )
    paths = generator.get_schema(request=None, public=True)["paths"]
    assert set(paths) == {
        "/api/v1/tickets/{ticket_id}/attachments/",
        "/api/v1/attachments/{id}/",
        "/api/v1/attachments/{id}/download/",
    }
    upload_body = paths["/api/v1/tickets/{ticket_id}/attachments/"]["post"]
    assert "multipart/form-data" in upload_body["requestBody"]["content"]
