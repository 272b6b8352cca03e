"""XMLTV import: parsing, window replacement, idempotence, bad input, channel linking, the command."""
from __future__ import annotations

import gzip
import http.server
import tempfile
import threading
from datetime import datetime, timezone as dt_timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories
from tvmiddleware.models import Channel, EpgChannel, EpgProgram, EpgSource
from tvmiddleware.services.epg import (
    EpgImportError, epg_import_xmltv, import_all_sources, parse_xmltv, parse_xmltv_time,
)

UTC = dt_timezone.utc

XMLTV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tv SYSTEM "xmltv.dtd">
<tv generator-info-name="test">
  <channel id="first.tv"><display-name lang="ru">Первый</display-name><display-name>First</display-name></channel>
  <channel id="news"><display-name>News 24</display-name></channel>
  <programme start="20261125190000 +0300" stop="20261125200000 +0300" channel="first.tv">
    <title lang="ru">Время</title><title lang="en">Time</title><desc>Новости дня</desc>
    <category>news</category><category>info</category><sub-title>Вечерний выпуск</sub-title><date>2019</date>
    <icon src="https://img.example/vremya.jpg"/><rating system="RU"><value>16+</value></rating>
    <credits><actor>A. Actor</actor><director>D. Director</director></credits><country>RU</country>
  </programme>
  <programme start="20261125200000 +0300" stop="20261125213000 +0300" channel="first.tv"><title>Film</title></programme>
  <programme start="20261125160000" stop="20261125170000" channel="news"><title>UTC show</title></programme>
  <programme start="202611251800 -0130" channel="news"><title>No stop</title></programme>
  <programme start="20261125200000 -0130" stop="20261125210000 -0130" channel="news"><title>Last</title></programme>
  <programme start="yesterday" stop="20261125210000" channel="news"><title>Bad time</title></programme>
  <programme start="20261125210000" stop="20261125220000" channel="news"><desc>no title</desc></programme>
  <programme start="20261125210000" stop="20261125200000" channel="news"><title>Ends first</title></programme>
  <programme start="20261125230000" stop="20261125233000" channel="undeclared"><title>Orphan</title></programme>
</tv>
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def source(client_obj):
    return EpgSource.objects.create(client=client_obj, name="Provider")


def programmes(source, ext_id: str) -> list[EpgProgram]:
    return list(EpgProgram.objects.filter(epg_channel__source=source, epg_channel__ext_id=ext_id)
                .order_by("begin_time"))


class TestTimes:
    @pytest.mark.parametrize("value,expected", [
        ("20261125190000 +0300", utc(2026, 11, 25, 16, 0)),
        ("20261125190000 -0130", utc(2026, 11, 25, 20, 30)),
        ("20261125190000 +05:30", utc(2026, 11, 25, 13, 30)),
        ("20261125190000", utc(2026, 11, 25, 19, 0)),
        ("20261125190000 Z", utc(2026, 11, 25, 19, 0)),
        ("202611251905 +0000", utc(2026, 11, 25, 19, 5)),
        ("20260101003000 +0100", utc(2025, 12, 31, 23, 30)),
    ])
    def test_offsets_become_utc(self, value, expected):
        parsed = parse_xmltv_time(value)
        assert parsed == expected and parsed.utcoffset().total_seconds() == 0

    @pytest.mark.parametrize("value", ["", "2026", "20261325190000", "20261125250000", "20261125190000 +2500",
                                       "20261125190000 +0375", "20261125190000 MSK", "abc"])
    def test_bad_times(self, value):
        with pytest.raises(ValueError):
            parse_xmltv_time(value)


class TestImport:
    def test_programme_details_reach_meta(self, source):
        feed = """<tv><channel id="kino"><display-name>Kino</display-name></channel>
          <programme start="20261125190000 +0000" stop="20261125210000 +0000" channel="kino">
            <title>Film</title><keyword>heist</keyword><keyword>classic</keyword>
            <icon src="https://img.example/a.jpg"/><image type="poster">https://img.example/b.jpg</image>
            <icon src="ftp://img.example/c.jpg"/><image>https://img.example/a.jpg</image><live/>
            <star-rating system="IMDb"><value>7,8/10</value></star-rating>
            <star-rating system="Kinopoisk"><value>8.1/10</value></star-rating>
            <url>https://www.kinopoisk.ru/film/326/</url>
          </programme></tv>"""
        epg_import_xmltv(source=source, data=feed.encode())
        (film,) = programmes(source, "kino")
        assert film.meta == {"tags": ["heist", "classic"], "live": True, "imdb": "7.8", "kinopoisk": "8.1",
                             "kinopoisk_id": "326",
                             "previews": ["https://img.example/a.jpg", "https://img.example/b.jpg"]}

    def test_round_trip(self, source):
        result = epg_import_xmltv(source=source, data=XMLTV.encode())
        assert result == {"source_id": source.pk, "channels": 3, "programmes_created": 6, "programmes_updated": 0,
                          "programmes_removed": 0, "skipped": 3, "channels_linked": 0}
        channels = {c.ext_id: c.name for c in EpgChannel.objects.filter(source=source)}
        assert channels == {"first.tv": "Первый", "news": "News 24", "undeclared": "undeclared"}
        vremya, film = programmes(source, "first.tv")
        assert (vremya.begin_time, vremya.end_time) == (utc(2026, 11, 25, 16), utc(2026, 11, 25, 17))
        assert vremya.name == "Время" and vremya.description == "Новости дня" and vremya.category == "news"
        assert vremya.preview_url == "https://img.example/vremya.jpg" and vremya.rating == 16
        assert vremya.meta == {"extra_name": "Вечерний выпуск", "name_orig": "Time", "year": "2019",
                               "genres": ["news", "info"], "countries": ["RU"],
                               "participants": {"actor": ["A. Actor"], "director": ["D. Director"]},
                               "previews": ["https://img.example/vremya.jpg"]}
        assert vremya.client_id == source.client_id and film.end_time == utc(2026, 11, 25, 18, 30)
        news = programmes(source, "news")
        assert [(p.name, p.begin_time, p.end_time) for p in news] == [
            ("UTC show", utc(2026, 11, 25, 16), utc(2026, 11, 25, 17)),
            ("No stop", utc(2026, 11, 25, 19, 30), utc(2026, 11, 25, 21, 30)),  # ends when the next begins
            ("Last", utc(2026, 11, 25, 21, 30), utc(2026, 11, 25, 22, 30)),
        ]
        source.refresh_from_db()
        assert source.last_import_at is not None

    def test_reimport_is_idempotent(self, source):
        epg_import_xmltv(source=source, data=XMLTV.encode())
        before = {p.pk: (p.name, p.begin_time, p.end_time) for p in EpgProgram.objects.all()}
        result = epg_import_xmltv(source=source, data=XMLTV.encode())
        assert result["programmes_created"] == result["programmes_updated"] == result["programmes_removed"] == 0
        assert {p.pk: (p.name, p.begin_time, p.end_time) for p in EpgProgram.objects.all()} == before
        assert EpgChannel.objects.filter(source=source).count() == 3

    def test_unchanged_reimport_writes_no_row(self, source):
        """The daily re-import of the same feed: no INSERT, UPDATE or DELETE of guide rows at all (the
        source's `last_import_at` records the import)."""
        epg_import_xmltv(source=source, data=XMLTV.encode())
        writes: list[str] = []

        def record(execute, sql, params, many, context):
            if sql.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE") and (
                    "epgprogram" in sql.lower() or "epgchannel" in sql.lower()):
                writes.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            epg_import_xmltv(source=source, data=XMLTV.encode())
        assert writes == []

    def test_a_file_with_interleaved_channels_from_a_path(self, source, tmp_path, monkeypatch):
        """A streamed file (a path, gzipped) whose channels' programmes alternate is read whole before
        writing; the spool file is removed afterwards, also when the file turns out broken."""
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "spool"))
        (tmp_path / "spool").mkdir()
        rows = []
        for hour in range(0, 24):
            for channel in ("a", "b", "c"):
                rows.append(f'<programme start="20261125{hour:02d}0000" stop="20261125{hour:02d}5900" '
                            f'channel="{channel}"><title>{channel} {hour}</title></programme>')
        rows.reverse()  # not in time order either
        path = tmp_path / "guide.xml.gz"
        path.write_bytes(gzip.compress(("<tv>" + "".join(rows) + "</tv>").encode()))
        result = epg_import_xmltv(source=source, data=path)
        assert result["channels"] == 3 and result["programmes_created"] == 72 and result["skipped"] == 0
        assert [p.name for p in programmes(source, "b")][:3] == ["b 0", "b 1", "b 2"]
        assert list((tmp_path / "spool").iterdir()) == []
        broken = tmp_path / "broken.xml"
        broken.write_bytes(("<tv>" + "".join(rows) + "<programme>").encode())
        with pytest.raises(EpgImportError, match="not well-formed"):
            epg_import_xmltv(source=source, data=broken)
        assert list((tmp_path / "spool").iterdir()) == []
        assert EpgProgram.objects.filter(epg_channel__source=source).count() == 72

    def test_gzipped_data_is_detected(self, source):
        result = epg_import_xmltv(source=source, data=gzip.compress(XMLTV.encode()))
        assert result["programmes_created"] == 6

    def test_window_is_replaced(self, source):
        epg_import_xmltv(source=source, data=XMLTV.encode())
        epg_channel = EpgChannel.objects.get(source=source, ext_id="first.tv")
        vremya = programmes(source, "first.tv")[0]
        vremya.is_blocked = True  # the operator's own flag survives an update
        vremya.save()
        earlier = EpgProgram.objects.create(client=source.client, epg_channel=epg_channel, name="Morning",
                                            begin_time=utc(2026, 11, 25, 6), end_time=utc(2026, 11, 25, 7))
        update = """<tv><channel id="first.tv"><display-name>First HD</display-name></channel>
          <programme start="20261125190000 +0300" stop="20261125200000 +0300" channel="first.tv">
            <title>Время (new)</title></programme>
          <programme start="20261125200000 +0300" stop="20261125203000 +0300" channel="first.tv">
            <title>Short</title></programme>
          <programme start="20261125203000 +0300" stop="20261125213000 +0300" channel="first.tv">
            <title>Film 2</title></programme></tv>"""
        result = epg_import_xmltv(source=source, data=update.encode())
        assert result["programmes_created"] == 1 and result["programmes_updated"] == 2
        assert result["programmes_removed"] == 0
        rows = programmes(source, "first.tv")
        assert [(p.name, p.end_time) for p in rows] == [
            ("Morning", utc(2026, 11, 25, 7)), ("Время (new)", utc(2026, 11, 25, 17)),
            ("Short", utc(2026, 11, 25, 17, 30)), ("Film 2", utc(2026, 11, 25, 18, 30))]
        assert rows[0].pk == earlier.pk and rows[1].pk == vremya.pk and rows[1].is_blocked
        assert rows[1].description == "" and rows[1].meta == {}
        assert EpgChannel.objects.get(pk=epg_channel.pk).name == "First HD"
        # a programme in the window that the feed dropped is removed
        shorter = """<tv><programme start="20261125190000 +0300" stop="20261125213000 +0300" channel="first.tv">
            <title>Marathon</title></programme></tv>"""
        result = epg_import_xmltv(source=source, data=shorter.encode())
        assert result["programmes_removed"] == 2 and result["programmes_updated"] == 1
        assert [p.name for p in programmes(source, "first.tv")] == ["Morning", "Marathon"]
        # the other channels of the source are left as they were
        assert len(programmes(source, "news")) == 3

    def test_operators_are_kept_apart(self, source, other_client):
        other_source = EpgSource.objects.create(client=other_client, name="Same feed")
        epg_import_xmltv(source=other_source, data=XMLTV.encode())
        epg_import_xmltv(source=source, data=XMLTV.encode())
        assert EpgChannel.objects.filter(client=source.client).count() == 3
        assert EpgChannel.objects.filter(client=other_client).count() == 3
        assert EpgProgram.objects.filter(client=other_client).count() == 6
        assert not EpgProgram.objects.filter(client=other_client, epg_channel__client=source.client).exists()

    @pytest.mark.parametrize("data,message", [
        (b"<tv><programme start='20261125190000' channel='x'><title>unclosed</tv>", "not well-formed"),
        (b"", "not well-formed"),
        (b"<html><body>Not found</body></html>", "root element"),
        (b'<!DOCTYPE tv [<!ENTITY boom "boom">]><tv>&boom;</tv>', "forbidden"),
        (b'<!DOCTYPE tv [<!ENTITY e SYSTEM "file:///etc/passwd">]><tv>&e;</tv>', "forbidden"),
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (gzip.compress(b"<tv><unclosed></tv>"), "not well-formed"),
    ])
    def test_broken_input_writes_nothing(self, source, data, message):
        with pytest.raises(EpgImportError, match=message):
            epg_import_xmltv(source=source, data=data)
        assert not EpgChannel.objects.exists() and not EpgProgram.objects.exists()
        source.refresh_from_db()
        assert source.last_import_at is None

    def test_size_limit(self, source, settings):
        settings.TVMIDDLEWARE_EPG_MAX_BYTES = 100
        with pytest.raises(EpgImportError, match="larger"):
            parse_xmltv(XMLTV.encode())
        with pytest.raises(EpgImportError, match="unpacks"):
            parse_xmltv(gzip.compress(XMLTV.encode()))

    def test_channels_are_linked_when_unambiguous(self, source, other_client):
        client = source.client
        by_prefix = factories.ChannelFactory(client=client, name="Channel One", url_prefix="FIRST.tv")
        by_name = factories.ChannelFactory(client=client, name=" news 24 ", url_prefix="n24")
        linked = factories.EpgChannelFactory(client=client)
        kept = factories.ChannelFactory(client=client, name="News 24 HD", url_prefix="news", epg_channel=linked)
        unmatched = factories.ChannelFactory(client=client, name="Kids", url_prefix="kids")
        foreign = factories.ChannelFactory(client=other_client, name="News 24", url_prefix="news")
        result = epg_import_xmltv(source=source, data=XMLTV.encode())
        assert result["channels_linked"] == 2
        assert Channel.objects.get(pk=by_prefix.pk).epg_channel.ext_id == "first.tv"
        assert Channel.objects.get(pk=by_name.pk).epg_channel.ext_id == "news"
        assert Channel.objects.get(pk=kept.pk).epg_channel_id == linked.pk
        assert Channel.objects.get(pk=unmatched.pk).epg_channel_id is None
        assert Channel.objects.get(pk=foreign.pk).epg_channel_id is None

    def test_ambiguous_names_are_not_linked(self, source):
        feed = """<tv><channel id="a"><display-name>Sport</display-name></channel>
                  <channel id="b"><display-name>Sport</display-name></channel></tv>"""
        channel = factories.ChannelFactory(client=source.client, name="Sport", url_prefix="sport")
        assert epg_import_xmltv(source=source, data=feed.encode())["channels_linked"] == 0
        assert Channel.objects.get(pk=channel.pk).epg_channel_id is None


@pytest.fixture
def feed_server():
    """A loopback HTTP server: /guide.xml.gz serves the test feed, anything else is 404."""
    body = gzip.compress(XMLTV.encode())

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/guide.xml.gz":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class TestCommand:
    def run(self, *args) -> str:
        out = StringIO()
        call_command("import_epg", *args, stdout=out)
        return out.getvalue()

    def test_file_for_a_new_url_source(self, client_obj, tmp_path):
        path = tmp_path / "guide.xml.gz"
        path.write_bytes(gzip.compress(XMLTV.encode()))
        url = "https://epg.example/guide.xml.gz"
        output = self.run("--url", url, "--client", str(client_obj.pk), "--name", "Provider", "--file", str(path))
        source = EpgSource.objects.get(client=client_obj)
        assert source.url == url and source.name == "Provider"
        assert output.strip() == (f"import_epg: source={source.pk} channels=3 created=6 updated=0 removed=0 "
                                  "skipped=3 linked=0")
        again = self.run("--url", url, "--client", str(client_obj.pk), "--file", str(path))
        assert "created=0 updated=0 removed=0" in again and EpgSource.objects.count() == 1

    def test_download_by_source_and_by_url(self, client_obj, feed_server):
        source = EpgSource.objects.create(client=client_obj, name="Feed", url=f"{feed_server}/guide.xml.gz")
        assert "created=6" in self.run("--source", str(source.pk))
        assert "created=0" in self.run("--url", source.url, "--client", str(client_obj.pk))
        with pytest.raises(CommandError, match="HTTP 404"):
            self.run("--url", f"{feed_server}/missing.xml", "--client", str(client_obj.pk))

    def test_import_all_sources_keeps_going_past_a_broken_feed(self, client_obj, other_client, feed_server):
        broken = EpgSource.objects.create(client=client_obj, name="Broken", url=f"{feed_server}/missing.xml")
        good = EpgSource.objects.create(client=other_client, name="Good", url=f"{feed_server}/guide.xml.gz")
        EpgSource.objects.create(client=other_client, name="Off", url=f"{feed_server}/guide.xml.gz", enabled=False)
        EpgSource.objects.create(client=other_client, name="File only")
        results = import_all_sources()
        assert [r["source_id"] for r in results] == [broken.pk, good.pk]
        assert "HTTP 404" in results[0]["error"] and results[1]["programmes_created"] == 6
        assert import_all_sources(client=client_obj)[0]["source_id"] == broken.pk

    @pytest.mark.parametrize("args,message", [
        ((), "either"), (("--url", "https://x"), "either"), (("--client", "1"), "either"),
        (("--source", "999999"), "does not exist"), (("--url", "ftp://x", "--client", "1"), "http"),
        (("--url", "https://x", "--client", "999999"), "does not exist"),
    ])
    def test_bad_arguments(self, db, args, message):
        with pytest.raises(CommandError, match=message):
            self.run(*args)

    def test_bad_file_and_broken_xml(self, source, tmp_path):
        with pytest.raises(CommandError, match="Cannot read"):
            self.run("--source", str(source.pk), "--file", str(tmp_path / "missing.xml"))
        broken = tmp_path / "broken.xml"
        broken.write_text("<tv><programme>")
        with pytest.raises(CommandError, match="not well-formed"):
            self.run("--source", str(source.pk), "--file", str(broken))
        with pytest.raises(CommandError, match="no URL"):
            self.run("--source", str(source.pk))
        assert not EpgProgram.objects.exists()
