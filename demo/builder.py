"""Demo data: a small but complete operator to click through, call the APIs against, and show.

`seed()` builds "Demo Operator" (client 1) with a channel line-up, a programme guide around
today, tariffs, subscribers with logins and a device, a ledger row and a VOD catalogue, plus
"Other Operator" (client 2) with a line-up of its own so tenant isolation can be shown.
It is idempotent and never overwrites: it finds rows by their natural keys (name, `url_prefix`,
`ext_id`, abonement) and creates only those that are missing, with their relations (a tariff's
channels, a title's genres, a subscriber's tariffs, balance and device) set only when the row is
created. What the operator changed in the panel — a channel added to a tariff, a password, a
blocked account, a renamed title — survives every later run. Subscribers are written through the
services, so a second run sends no new domain events and moves no money. The programme guide is
topped up: days around "now" that a demo EPG channel has no programme for are generated, so the
demo always has a guide covering two days back (the archive) and two days ahead, while programmes
already there are left as they are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from billing.models import TransactionSource
from billing.services import DuplicateTransaction, transaction_create
from tvmiddleware.models import (
    Account, AccountDevice, AccountStatus, Actor, Channel, ChannelCategory, Client, Customer, DeviceType,
    EpgChannel, EpgProgram, EpgSource, Episode, Genre, PersonType, PriceCategory, Season, Selection,
    SelectionItem, StreamService, StreamServiceType, Tariff, Video, VideoFile,
)
from tvmiddleware.services import account_create, customer_create, device_bind, tariff_assign
from tvmiddleware.services.staff import operator_staff_create
from tvmiddleware.signals import operator_seeded
from widgets.models import BUILT_TYPES, Widget, WidgetType
from widgets.services import widget_create

M = TypeVar("M", bound=models.Model)

DEMO_CLIENT_ID = 1
OTHER_CLIENT_ID = 2
EPG_DAYS_BACK = 2
EPG_DAYS_AHEAD = 2
STREAM_HOST = "http://127.0.0.1:8081"
OTHER_STREAM_HOST = "http://127.0.0.1:8082"


# --- what the demo consists of ----------------------------------------------------------------------

@dataclass(frozen=True)
class ClientSpec:
    """An operator with fixed keys, so docs and scripts can use them verbatim."""

    pk: int
    name: str
    api_key: str
    billing_api_key: str
    content_api_key: str
    streaming_api_key: str


DEMO_CLIENT = ClientSpec(DEMO_CLIENT_ID, "Demo Operator", "demo-api-key", "demo-billing-key",
                         "demo-content-key", "demo-streaming-key")
OTHER_CLIENT = ClientSpec(OTHER_CLIENT_ID, "Other Operator", "other-api-key", "other-billing-key",
                          "other-content-key", "other-streaming-key")

ADMIN = ("admin", "admin")


@dataclass(frozen=True)
class ChannelSpec:
    """A line-up entry. `kind` picks the daily guide template; `archive_hours` the catch-up depth."""

    number: int
    name: str
    url_prefix: str
    kind: str
    category: str
    archive_hours: int = 0
    sport: str = ""


NEWS, ENTERTAINMENT, SPORT = "News", "Entertainment", "Sport"
DEMO_CATEGORIES = (NEWS, ENTERTAINMENT, SPORT)
ARCHIVE_HOURS = 72

DEMO_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(1, "Demo News", "ch1", "news", NEWS, ARCHIVE_HOURS),
    ChannelSpec(2, "Demo One", "ch2", "general", ENTERTAINMENT, ARCHIVE_HOURS),
    ChannelSpec(3, "Demo Cinema", "ch3", "movies", ENTERTAINMENT, ARCHIVE_HOURS),
    ChannelSpec(4, "Demo Kids", "ch4", "kids", ENTERTAINMENT, ARCHIVE_HOURS),
    ChannelSpec(5, "Demo Planet", "ch5", "docs", ENTERTAINMENT, ARCHIVE_HOURS),
    ChannelSpec(6, "Demo 24", "ch6", "news", NEWS),
    ChannelSpec(7, "Business Today", "ch7", "news", NEWS),
    ChannelSpec(8, "Demo Two", "ch8", "general", ENTERTAINMENT),
    ChannelSpec(9, "Comedy Central Demo", "ch9", "general", ENTERTAINMENT),
    ChannelSpec(10, "Family Channel", "ch10", "general", ENTERTAINMENT),
    ChannelSpec(11, "Action Movies", "ch11", "movies", ENTERTAINMENT),
    ChannelSpec(12, "Drama Premiere", "ch12", "movies", ENTERTAINMENT),
    ChannelSpec(13, "Retro Cinema", "ch13", "movies", ENTERTAINMENT),
    ChannelSpec(14, "Cartoon Time", "ch14", "kids", ENTERTAINMENT),
    ChannelSpec(15, "History Channel Demo", "ch15", "docs", ENTERTAINMENT),
    ChannelSpec(16, "Demo Sport", "ch16", "sport", SPORT, sport="Multi-sport"),
    ChannelSpec(17, "Football HD", "ch17", "sport", SPORT, sport="Football"),
    ChannelSpec(18, "Hockey HD", "ch18", "sport", SPORT, sport="Hockey"),
    ChannelSpec(19, "Fight Night", "ch19", "sport", SPORT, sport="Boxing"),
    ChannelSpec(20, "Motor Sport", "ch20", "sport", SPORT, sport="Motor racing"),
)
BASE_CHANNELS = range(1, 16)
SPORT_CHANNELS = range(16, 21)

OTHER_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(1, "Other News", "other-news", "news", "General"),
    ChannelSpec(2, "Other Movies", "other-movies", "movies", "General"),
)

# Daily guide templates: (start "HH:MM", category, title or title variants, description).
# A slot lasts until the next one starts; the last lasts until midnight. Titles and descriptions
# may use {n} (an episode number that grows day by day) and {sport}. Every template ends with a
# 2-hour slot, so a day shortened by a DST change still keeps all its programmes.
Slot = tuple[str, str, str | tuple[str, ...], str]

EPG_TEMPLATES: dict[str, tuple[Slot, ...]] = {
    "news": (
        ("00:00", "News", "Night News", "Headlines of the day in brief."),
        ("00:30", "News", "World Report", "Correspondents from around the world on the main stories."),
        ("02:00", "News", "Overnight Headlines", "News on the hour, with weather and markets."),
        ("04:00", "News", "Early Edition", "The first look at the day's agenda."),
        ("06:00", "News", "Morning News", "News, weather and traffic to start the day."),
        ("07:00", "Talk show", "Good Morning", "Guests, news and the morning papers."),
        ("09:00", "News", "News Hour", "The hour's main stories in depth."),
        ("10:00", "Business", "Markets Today", "Stocks, currencies and company news."),
        ("11:00", "News", "Newsroom", "Rolling news with live reports."),
        ("12:00", "News", "Midday News", "The news at noon."),
        ("12:30", "Talk show", ("The Interview", "Face to Face", "In Conversation"),
         "A long-form interview with a newsmaker."),
        ("13:00", "News", "World Report", "Correspondents from around the world on the main stories."),
        ("14:00", "News", "Newsroom", "Rolling news with live reports."),
        ("16:00", "News", "Weather and Traffic", "The forecast and the roads for the evening."),
        ("16:30", "News", "Newsroom", "Rolling news with live reports."),
        ("18:00", "News", "Evening News", "The main stories of the day."),
        ("19:00", "Talk show", "Debate Night", "Politicians and experts argue the issue of the day."),
        ("20:00", "News", "Prime Time News", "The day's news, analysis and sport."),
        ("21:00", "Documentary", ("Special Report: Energy", "Special Report: Cities", "Special Report: Health"),
         "Our reporters investigate one story in depth."),
        ("22:00", "News", "Late News", "The latest news, weather and tomorrow's papers."),
    ),
    "general": (
        ("00:00", "Film", ("Late Night Movie: Blue Harbour", "Late Night Movie: Cold Coffee",
                           "Late Night Movie: The Last Ferry"), "A feature film to end the day."),
        ("02:00", "Music", "Music Non-Stop", "Videos from the charts."),
        ("04:00", "Series", "Classic Sitcom, ep. {n}", "A favourite comedy from the nineties."),
        ("05:00", "Music", "Morning Music", "Easy listening to wake up to."),
        ("06:00", "Entertainment", "Breakfast Show", "News, weather, guests and music."),
        ("08:00", "Lifestyle", "Cooking at Home", "Simple recipes for every day."),
        ("09:00", "Series", "Daytime Drama, ep. {n}", "Life and love in a small seaside town."),
        ("10:00", "Talk show", "Talk of the Town", "The stories everyone talks about."),
        ("11:30", "Game show", "Quiz Time", "Three contestants, nine questions."),
        ("12:00", "Lifestyle", "Home Makeover", "A family home transformed in a week."),
        ("13:00", "Series", "Daytime Drama, ep. {n}", "Life and love in a small seaside town."),
        ("14:00", "Film", ("Afternoon Film: Sunny Side", "Afternoon Film: Two Tickets",
                           "Afternoon Film: The Long Weekend"), "A comedy for the whole family."),
        ("16:00", "Game show", "Family Quiz", "Two families compete for the prize."),
        ("17:00", "Travel", "Travel Diaries", "Weekends in Europe's lesser-known cities."),
        ("18:00", "Series", "Sitcom Double Bill, ep. {n}", "Flatmates, friends and misunderstandings."),
        ("19:00", "Series", "Harbour Lights, ep. {n}", "The prime-time drama everyone is watching."),
        ("20:00", "Film", ("Evening Film: Stone Bridge", "Evening Film: Northern Star",
                           "Evening Film: A Second Chance"), "A premiere feature film."),
        ("22:00", "Entertainment", "The Late Show", "Guests, music and comedy."),
    ),
    "movies": (
        ("00:00", "Film", ("Night Film: Red Canyon", "Night Film: Glass Houses", "Night Film: The Informant"),
         "A thriller for night owls."),
        ("02:00", "Film", ("Night Film: Sleepless", "Night Film: Shadow Line", "Night Film: After Midnight"),
         "A feature film."),
        ("04:00", "Film", "Short Films", "The best short films from festivals."),
        ("05:00", "Film", ("Classic Cinema: The Station", "Classic Cinema: Autumn Waltz",
                           "Classic Cinema: Silver Screen"), "A restored classic."),
        ("07:00", "Film", ("Morning Film: Hidden Valley", "Morning Film: The Kite", "Morning Film: Green Hills"),
         "A feature film for the morning."),
        ("09:00", "Entertainment", "Behind the Scenes", "How this week's premieres were made."),
        ("09:30", "Film", ("Family Film: The Snow Dog", "Family Film: Treasure Island Kids",
                           "Family Film: Grandpa's Garage"), "A film for the whole family."),
        ("11:00", "Film", ("Comedy: Wrong Address", "Comedy: Best Man", "Comedy: Plan B"), "A comedy."),
        ("12:30", "Film", ("Drama: The Letter", "Drama: Open Water", "Drama: Home Again"), "A drama."),
        ("14:30", "Film", ("Adventure: Lost Temple", "Adventure: The Map", "Adventure: Desert Run"),
         "An adventure film."),
        ("16:00", "Entertainment", "Cinema News", "Premieres, festivals and box office."),
        ("16:30", "Film", ("Comedy: Holiday Mix-up", "Comedy: Neighbours", "Comedy: The Double"), "A comedy."),
        ("18:00", "Film", ("Thriller: Blackout", "Thriller: The Witness", "Thriller: Deadline"), "A thriller."),
        ("20:00", "Film", ("Premiere: Iron Harbour", "Premiere: The Glass Tower", "Premiere: Orbit Seven"),
         "Tonight's premiere."),
        ("22:00", "Film", ("Late Thriller: Night Shift", "Late Thriller: Cold Case", "Late Thriller: The Vault"),
         "A late-night thriller."),
    ),
    "kids": (
        ("00:00", "Kids", "Night Cartoons", "Gentle cartoons for the night."),
        ("02:00", "Kids", "Night Cartoons", "Gentle cartoons for the night."),
        ("04:00", "Kids", "Night Cartoons", "Gentle cartoons for the night."),
        ("06:00", "Kids", "Good Morning, Kids", "Songs and exercises to start the day."),
        ("07:00", "Kids", "Cartoon Marathon", "Back-to-back cartoons."),
        ("09:00", "Kids", "Learn with Lucy, ep. {n}", "Letters and numbers with Lucy the fox."),
        ("09:30", "Kids", "Little Explorers, ep. {n}", "Three friends discover the world around them."),
        ("10:00", "Kids", "Animal Friends", "Meet the animals of the farm and the forest."),
        ("11:00", "Kids", "Cartoon Marathon", "Back-to-back cartoons."),
        ("13:00", "Kids", "Craft Corner", "Make something new from paper and glue."),
        ("13:30", "Kids", "Fairy Tales", "Classic tales, beautifully animated."),
        ("15:00", "Kids", "Space Rangers, ep. {n}", "Adventures of a young crew among the stars."),
        ("16:00", "Kids", "Kids Quiz", "Young contestants answer tricky questions."),
        ("16:30", "Kids", "Cartoon Marathon", "Back-to-back cartoons."),
        ("18:00", "Kids", ("Family Cartoon: Ocean Kids", "Family Cartoon: Paper Kites",
                           "Family Cartoon: Little Giants"), "An animated film for the whole family."),
        ("19:30", "Kids", "Bedtime Stories", "A story read before sleep."),
        ("20:00", "Kids", "Night Cartoons", "Gentle cartoons for the night."),
        ("22:00", "Kids", "Night Cartoons", "Gentle cartoons for the night."),
    ),
    "docs": (
        ("00:00", "Documentary", "Night Documentary", "A documentary from our archive."),
        ("02:00", "Documentary", "Night Documentary", "A documentary from our archive."),
        ("04:00", "Documentary", "Wild Planet, ep. {n}", "Animals in the wild, filmed over a year."),
        ("05:00", "Documentary", "Ancient Worlds, ep. {n}", "Lost civilisations and what they left behind."),
        ("06:00", "Science", "Science Now", "The week's discoveries explained."),
        ("07:00", "Documentary", "Wild Planet, ep. {n}", "Animals in the wild, filmed over a year."),
        ("08:00", "Science", "Engineering Marvels", "How the biggest structures were built."),
        ("09:00", "History", "History Files", "The events that changed the world."),
        ("10:00", "Documentary", "Deep Ocean", "Life in the deepest parts of the sea."),
        ("11:30", "Science", "Science Now", "The week's discoveries explained."),
        ("12:00", "Travel", "Great Journeys", "Legendary routes across continents."),
        ("14:00", "Documentary", "Ancient Worlds, ep. {n}", "Lost civilisations and what they left behind."),
        ("15:00", "Science", "Engineering Marvels", "How the biggest structures were built."),
        ("16:00", "History", "History Files", "The events that changed the world."),
        ("17:00", "Documentary", "Wild Planet, ep. {n}", "Animals in the wild, filmed over a year."),
        ("18:00", "Science", "Science Now", "The week's discoveries explained."),
        ("19:00", "Travel", "Great Journeys", "Legendary routes across continents."),
        ("20:00", "Documentary", ("Premiere: Mountains of the Moon", "Premiere: Deep Blue Planet",
                                  "Premiere: Voices of the City"), "Tonight's documentary premiere."),
        ("22:00", "Documentary", "Night Documentary", "A documentary from our archive."),
    ),
    "sport": (
        ("00:00", "Sport", "{sport}: Match Replay", "The best game of the week in full."),
        ("02:00", "Sport", "{sport}: Match Replay", "Another classic game in full."),
        ("04:00", "Sport", "{sport} Highlights", "Goals, saves and moments of the week."),
        ("05:00", "Sport", "Fitness Morning", "A workout to start the day."),
        ("06:00", "Sport", "Sport News", "Results, transfers and schedules."),
        ("06:30", "Sport", "{sport}: Match Replay", "Yesterday's game in full."),
        ("08:00", "Sport", "Sport News", "Results, transfers and schedules."),
        ("08:30", "Sport", "Training Ground", "Inside the teams' preparation."),
        ("09:00", "Sport", ("Live: {sport} League", "Live: {sport} Cup", "Live: {sport} Open"),
         "Live coverage with studio analysis."),
        ("11:00", "Sport", "{sport} Highlights", "Goals, saves and moments of the week."),
        ("12:00", "Sport", "Sport News", "Results, transfers and schedules."),
        ("12:30", "Sport", "{sport} Magazine", "Interviews, stats and stories behind the results."),
        ("14:00", "Sport", ("Live: {sport} Cup", "Live: {sport} Open", "Live: {sport} League"),
         "Live coverage with studio analysis."),
        ("16:00", "Sport", "Studio", "Pundits preview the evening's events."),
        ("17:00", "Sport", ("Live: {sport} League", "Live: {sport} Championship", "Live: {sport} Cup"),
         "Live coverage with studio analysis."),
        ("19:00", "Sport", "Sport News", "Results, transfers and schedules."),
        ("19:30", "Sport", "Pre-match Studio", "Line-ups and predictions."),
        ("20:00", "Sport", ("Live: {sport} Top Match", "Live: {sport} Derby", "Live: {sport} Final"),
         "The main event of the day, live."),
        ("22:00", "Sport", "{sport} Tonight", "All of today's results and highlights."),
    ),
}
EPG_RATINGS = {"kids": 0, "movies": 16, "general": 12, "docs": 6}


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    type: str
    url_mask: str


DEMO_SERVICES = (
    ServiceSpec("Live", StreamServiceType.LIVE, f"{STREAM_HOST}/$prefix/index.m3u8?token=$token"),
    ServiceSpec("Archive", StreamServiceType.ARCHIVE,
                f"{STREAM_HOST}/$prefix/video-$flpbt-$flpdur.m3u8?token=$token"),
    ServiceSpec("VOD", StreamServiceType.VOD, f"{STREAM_HOST}/vod/$file/index.m3u8?token=$token"),
)
OTHER_SERVICES = (
    ServiceSpec("Live", StreamServiceType.LIVE, f"{OTHER_STREAM_HOST}/$prefix/index.m3u8?token=$token"),
)


@dataclass(frozen=True)
class TariffSpec:
    """A package. `ext_id` is its id in the operator's billing and the key the seed finds it by."""

    ext_id: str
    name: str
    description: str
    price: Decimal
    basic_tariff_priority: int
    channels: tuple[int, ...]  # channel numbers
    services: tuple[str, ...]  # stream service names
    period: int = 30
    sessions_count: int = 1
    basic_sessions_count: int = 1
    hidden: bool = False


BASE, SPORT_TARIFF, VOD_CATALOGUE = "demo-base", "demo-sport", "demo-vod"
DEMO_TARIFFS = (
    TariffSpec(BASE, "Base", "15 channels with catch-up and the subscription film library.", Decimal("300.00"),
               1, tuple(BASE_CHANNELS), ("Live", "Archive", "VOD"), sessions_count=2, basic_sessions_count=2),
    TariffSpec(SPORT_TARIFF, "Sport", "Five sport channels: football, hockey, fights and motor racing.",
               Decimal("150.00"), 0, tuple(SPORT_CHANNELS), ("Live", "Archive")),
    TariffSpec(VOD_CATALOGUE, "VOD catalogue", "System tariff that opens the subscription film library.",
               Decimal("0.00"), 0, (), ("VOD",), period=0, hidden=True),
)
OTHER_TARIFFS = (
    TariffSpec("other-base", "Other Base", "The other operator's basic package.", Decimal("250.00"),
               1, (1, 2), ("Live",), sessions_count=2, basic_sessions_count=2),
)


@dataclass(frozen=True)
class SubscriberSpec:
    """A customer with one login: the tariffs they hold and the state their login is in."""

    ext_id: str
    firstname: str
    lastname: str
    email: str
    phone: str
    city: str
    abonement: str
    password: str
    tariffs: tuple[str, ...]  # tariff ext_ids
    active: bool = True
    status_reason: str = AccountStatus.ACTIVE
    initial_balance: Decimal | None = None
    device_uid: str = ""


DEMO_SUBSCRIBERS = (
    SubscriberSpec("demo-1", "Ivan", "Petrov", "ivan.petrov@example.com", "+79001000001", "Moscow",
                   "100001", "1111", (BASE,), initial_balance=Decimal("100.00"), device_uid="00:1A:79:00:00:01"),
    SubscriberSpec("demo-2", "Anna", "Smirnova", "anna.smirnova@example.com", "+79001000002", "Kazan",
                   "100002", "2222", (BASE, SPORT_TARIFF)),
    SubscriberSpec("demo-3", "Oleg", "Sidorov", "oleg.sidorov@example.com", "+79001000003", "Samara",
                   "100003", "3333", (BASE,), active=False, status_reason=AccountStatus.DEBT),
)
OTHER_SUBSCRIBERS = (
    SubscriberSpec("other-1", "Maria", "Ivanova", "maria.ivanova@example.com", "+79002000001", "Tula",
                   "200001", "1234", ("other-base",)),
)
INITIAL_BALANCE_EXT_ID = "demo-initial-balance"  # unique per operator: one subscriber each carries it
DEMO_DEVICE = {"device_type": "mag", "serial_number": "DEMO0000001", "device_model": "MAG 322",
               "brand_name": "Infomir"}

# --- VOD catalogue -----------------------------------------------------------------------------------

DEMO_GENRES = ("Drama", "Comedy", "Action", "Sci-Fi", "Documentary", "Animation")
DEMO_ACTORS = (  # (name, country, gender)
    ("Anna Kovalenko", "Ukraine", "female"), ("Mark Ellison", "USA", "male"),
    ("Sofia Reyes", "Spain", "female"), ("Dmitry Orlov", "Russia", "male"),
    ("Claire Dubois", "France", "female"), ("Tom Hadley", "UK", "male"),
)
DEMO_DIRECTORS = (("Elena Markova", "Russia", "female"), ("Paul Brenner", "Germany", "male"),
                  ("Hiro Tanaka", "Japan", "male"))
LANGUAGES = {"USA": "English", "UK": "English", "Canada": "English", "Australia": "English",
             "Ireland": "English", "Norway": "Norwegian", "France": "French", "Italy": "Italian",
             "Russia": "Russian", "Germany": "German", "Portugal": "Portuguese", "Brazil": "Portuguese",
             "South Korea": "Korean", "Japan": "Japanese", "Poland": "Polish"}

FREE, PURCHASE, SUBSCRIPTION = PriceCategory.FREE, PriceCategory.PURCHASE, PriceCategory.SUBSCRIPTION


@dataclass(frozen=True)
class FilmSpec:
    slug: str  # the video's local ext_id and its file path
    name: str
    year: int
    countries: str
    genres: tuple[str, ...]
    minutes: int
    imdb: str
    age: int
    price_category: str
    description: str
    is_4k: bool = False


DEMO_FILMS: tuple[FilmSpec, ...] = (
    FilmSpec("the-last-signal", "The Last Signal", 2023, "USA, Canada", ("Sci-Fi", "Drama"), 118, "7.1", 16,
             SUBSCRIPTION, "A radio astronomer picks up a message that seems to come from her own future. "
             "Nobody at the observatory believes her."),
    FilmSpec("northern-lights", "Northern Lights", 2021, "Norway", ("Drama",), 104, "6.8", 12, SUBSCRIPTION,
             "Two estranged brothers meet again in their father's village above the Arctic Circle."),
    FilmSpec("double-espresso", "Double Espresso", 2022, "Italy", ("Comedy",), 96, "6.4", 12, FREE,
             "A barista in Naples is mistaken for a famous food critic. He decides to play along."),
    FilmSpec("iron-harbour", "Iron Harbour", 2020, "UK", ("Action",), 124, "6.9", 18, PURCHASE,
             "A dock worker uncovers a smuggling ring and has one night to get his family out of town."),
    FilmSpec("the-quiet-valley", "The Quiet Valley", 2019, "France", ("Drama",), 112, "7.3", 12, SUBSCRIPTION,
             "A young doctor takes over a practice in a mountain valley where everyone keeps a secret."),
    FilmSpec("orbit-seven", "Orbit Seven", 2024, "USA", ("Sci-Fi", "Action"), 131, "7.0", 12, PURCHASE,
             "The crew of a failing space station must choose who returns to Earth on the last capsule.",
             is_4k=True),
    FilmSpec("deep-blue-planet", "Deep Blue Planet", 2022, "UK", ("Documentary",), 88, "8.1", 0, FREE,
             "A journey from coral reefs to the deepest trenches, filmed over four years."),
    FilmSpec("paper-kites", "Paper Kites", 2021, "Japan", ("Animation",), 92, "7.6", 6, SUBSCRIPTION,
             "A girl's paper kite carries her across a magical city in search of her lost grandfather."),
    FilmSpec("the-heist-club", "The Heist Club", 2023, "USA", ("Comedy", "Action"), 108, "6.7", 16, PURCHASE,
             "Four retirees plan to rob the bank that took their pensions."),
    FilmSpec("winter-road", "Winter Road", 2018, "Russia", ("Drama",), 115, "7.2", 16, SUBSCRIPTION,
             "A truck driver on an ice road across Siberia picks up a hitchhiker who is running from something."),
    FilmSpec("the-robot-next-door", "The Robot Next Door", 2020, "Germany", ("Animation", "Comedy"), 85, "6.9",
             0, FREE, "A lonely boy befriends the clumsy household robot his new neighbours threw away."),
    FilmSpec("last-train-to-lisbon", "Last Train to Lisbon", 2019, "Portugal, Spain", ("Drama",), 109, "6.6", 16,
             SUBSCRIPTION, "Strangers share a compartment on a night train and, by morning, a secret."),
    FilmSpec("code-of-silence", "Code of Silence", 2022, "South Korea", ("Action",), 121, "7.4", 18, PURCHASE,
             "An undercover detective rises too high inside the gang he was sent to destroy."),
    FilmSpec("the-mars-diaries", "The Mars Diaries", 2021, "USA", ("Documentary", "Sci-Fi"), 95, "7.8", 6,
             SUBSCRIPTION, "The engineers behind a Mars rover tell the story of its ten-year mission."),
    FilmSpec("summer-in-provence", "Summer in Provence", 2023, "France", ("Comedy", "Drama"), 101, "6.5", 12,
             SUBSCRIPTION, "Three generations of a family spend one chaotic summer in a crumbling farmhouse."),
    FilmSpec("thunder-run", "Thunder Run", 2024, "USA", ("Action",), 117, "6.3", 16, PURCHASE,
             "A former rally champion returns for one last race across the desert."),
    FilmSpec("little-giants", "Little Giants", 2022, "Canada", ("Animation",), 89, "7.0", 0, SUBSCRIPTION,
             "The smallest team in the league finds out that size isn't everything."),
    FilmSpec("mountains-of-the-moon", "Mountains of the Moon", 2020, "UK", ("Documentary",), 78, "7.9", 0, FREE,
             "Climbers and scientists explore the glaciers of the Rwenzori mountains before they vanish."),
    FilmSpec("family-reunion", "Family Reunion", 2021, "USA", ("Comedy",), 98, "6.1", 12, SUBSCRIPTION,
             "A wedding brings together a family that has not agreed on anything for twenty years."),
    FilmSpec("the-glass-tower", "The Glass Tower", 2023, "Germany", ("Drama", "Sci-Fi"), 126, "7.5", 16,
             PURCHASE, "In a city run by an algorithm, an architect discovers a floor that isn't on any plan.",
             is_4k=True),
    FilmSpec("rome-after-dark", "Rome After Dark", 2018, "Italy", ("Action", "Drama"), 113, "6.8", 18,
             SUBSCRIPTION, "A taxi driver becomes the only witness to a crime that the police want forgotten."),
    FilmSpec("stellar-drift", "Stellar Drift", 2019, "USA", ("Sci-Fi",), 104, "6.9", 12, SUBSCRIPTION,
             "A cargo pilot adrift between stars must trust the stowaway who sabotaged her ship."),
    FilmSpec("wedding-season", "Wedding Season", 2024, "UK", ("Comedy",), 94, "6.2", 16, PURCHASE,
             "Two wedding crashers keep meeting at the same weddings all summer."),
    FilmSpec("ocean-kids", "Ocean Kids", 2023, "Australia", ("Animation",), 81, "7.1", 0, FREE,
             "A young turtle and her friends try to find their way home across the Great Barrier Reef."),
    FilmSpec("the-archivist", "The Archivist", 2022, "Poland", ("Drama",), 119, "7.6", 16, SUBSCRIPTION,
             "A quiet archivist finds letters that rewrite the history of her town."),
    FilmSpec("fast-lane", "Fast Lane", 2021, "France", ("Action",), 106, "6.4", 16, SUBSCRIPTION,
             "A courier on a motorbike gets a package that half of Paris is looking for."),
    FilmSpec("voices-of-the-city", "Voices of the City", 2024, "Brazil", ("Documentary",), 86, "7.4", 12, FREE,
             "Street musicians of São Paulo and the songs they write about their city."),
    FilmSpec("zero-gravity-kitchen", "Zero Gravity Kitchen", 2020, "USA", ("Comedy",), 90, "6.0", 6,
             SUBSCRIPTION, "A celebrity chef is sent to cook for astronauts aboard a space station."),
    FilmSpec("the-lighthouse-keeper", "The Lighthouse Keeper", 2024, "Ireland", ("Drama",), 111, "7.7", 12,
             PURCHASE, "The last keeper of an Irish lighthouse refuses to leave when it is automated."),
)
DEMO_SERIES = FilmSpec("station-nine", "Station Nine", 2022, "USA", ("Sci-Fi", "Drama"), 45, "8.0", 16,
                       SUBSCRIPTION, "The crew of a remote research station lose contact with the mainland. "
                       "Then the signals begin.")
DEMO_EPISODES = {  # season number -> episode names
    1: ("Arrival", "Static", "The Long Night"),
    2: ("Thaw", "Echoes", "Homecoming"),
}
PURCHASE_PRICES = {False: (Decimal("99.00"), Decimal("49.00")), True: (Decimal("149.00"), Decimal("69.00"))}
SUBSCRIPTION_TARIFFS = (BASE, VOD_CATALOGUE)
# Kinopoisk and IMDb rarely agree: a fixed spread, cycled over the titles, keeps the demo stable.
KINOPOISK_SPREAD = (Decimal("-0.3"), Decimal("0.2"), Decimal("-0.1"), Decimal("0.4"), Decimal("0.1"))
SELECTION_SIZE = 10


@dataclass(frozen=True)
class OperatorDemo:
    """One demo operator: its keys, its panel user and everything it sells."""

    client: ClientSpec
    staff: tuple[str, str]  # username, password
    services: tuple[ServiceSpec, ...]
    channels: tuple[ChannelSpec, ...]
    tariffs: tuple[TariffSpec, ...]
    subscribers: tuple[SubscriberSpec, ...]
    with_catalogue: bool = False
    with_widgets: bool = False  # one website widget of each built type, allowed on localhost and 127.0.0.1


OPERATORS = (
    OperatorDemo(DEMO_CLIENT, ("operator", "operator"), DEMO_SERVICES, DEMO_CHANNELS, DEMO_TARIFFS,
                 DEMO_SUBSCRIBERS, with_catalogue=True, with_widgets=True),
    OperatorDemo(OTHER_CLIENT, ("operator2", "operator2"), OTHER_SERVICES, OTHER_CHANNELS, OTHER_TARIFFS,
                 OTHER_SUBSCRIBERS),
)


# --- the result --------------------------------------------------------------------------------------

@dataclass
class DemoSummary:
    """What the seed left in place, with the credentials to try it with."""

    operators: tuple[OperatorDemo, ...] = OPERATORS
    tariff_names: dict[str, str] = field(default_factory=dict)  # ext_id -> name
    balances: dict[tuple[int, str], Decimal] = field(default_factory=dict)  # (client id, abonement) -> balance
    channels: int = 0
    programmes: int = 0
    videos: int = 0
    widgets: int = 0
    guide_window: tuple[datetime, datetime] | None = None

    def lines(self) -> list[str]:
        out = ["Demo data is ready.", "", "Operator panel /admin/ (username / password):",
               f"  {ADMIN[0]} / {ADMIN[1]}  superuser"]
        out += [f"  {op.staff[0]} / {op.staff[1]}  staff of {op.client.name}" for op in self.operators]
        for op in self.operators:
            spec = op.client
            out += ["", f"{spec.name} (client_id={spec.pk}):",
                    f"  device API key     {spec.api_key}",
                    f"  Billing API key    {spec.billing_api_key}",
                    f"  Content API key    {spec.content_api_key}",
                    f"  Streaming API key  {spec.streaming_api_key}"]
            for sub in op.subscribers:
                tariffs = ", ".join(self.tariff_names.get(ext_id, ext_id) for ext_id in sub.tariffs)
                notes = [tariffs, "active" if sub.active else f"inactive ({sub.status_reason})",
                         f"balance {self.balances.get((spec.pk, sub.abonement), Decimal('0.00'))}"]
                if sub.device_uid:
                    notes.append(f"device {sub.device_uid}")
                out.append(f"  account {sub.abonement} / {sub.password}  {'; '.join(notes)}")
        out += ["", f"{self.channels} channels, {self.programmes} EPG programmes, {self.videos} videos."]
        if self.widgets:
            out.append(f"{self.widgets} website widgets: the demo host page is /widgets/demo/ (with DEBUG, as make run).")
        if self.guide_window:
            begin, end = (timezone.localtime(t).strftime("%Y-%m-%d %H:%M") for t in self.guide_window)
            out.append(f"The guide covers {begin} – {end} ({timezone.get_current_timezone_name()}).")
        return out


# --- seeding -----------------------------------------------------------------------------------------

def seed(*, now: datetime | None = None) -> DemoSummary:
    """Create what is missing of the demo operators in one transaction; never overwrite.

    Safe to run any number of times (`make run` runs it on every start): existing rows, including
    the operator's edits to them, are left alone; only the guide is topped up around `now`.
    """
    now = now or timezone.now()
    summary = DemoSummary(guide_window=_guide_window(now))
    with transaction.atomic():
        clients = [_client(operator.client) for operator in OPERATORS]
        _reset_sequences(Client)
        _superuser(*ADMIN)
        for operator, client in zip(OPERATORS, clients):
            _operator(operator, client, now, summary)
    return summary


def _operator(operator: OperatorDemo, client: Client, now: datetime, summary: DemoSummary) -> None:
    """One operator's staff user, line-up and guide, tariffs, subscribers and (optionally) catalogue."""
    _staff(client, *operator.staff)
    services = {spec.name: _stream_service(client, spec) for spec in operator.services}
    source, _ = _ensure(EpgSource, client, {"name": f"{client.name} guide"}, format="xmltv", enabled=True)
    channels, epg_channels = _line_up(client, operator.channels, source)
    summary.channels += len(channels)
    summary.programmes += _guide(client, operator.channels, epg_channels, now)
    tariffs = {spec.ext_id: _tariff(client, spec, channels, services) for spec in operator.tariffs}
    summary.tariff_names.update({ext_id: tariff.name for ext_id, tariff in tariffs.items()})
    for spec in operator.subscribers:
        customer = _subscriber(client, spec, tariffs)
        summary.balances[client.pk, spec.abonement] = customer.balance
    if operator.with_catalogue:
        vod = next(service for service in services.values() if service.type == StreamServiceType.VOD)
        summary.videos += _catalogue(client, vod, [tariffs[ext_id] for ext_id in SUBSCRIPTION_TARIFFS])
    if operator.with_widgets:
        summary.widgets += _widgets(client)
    operator_seeded.send(sender=Client, client=client)


# The demo widgets' own settings where the defaults show less (the payment form's quick amounts).
DEMO_WIDGET_SETTINGS = {WidgetType.PAYMENT_FORM: {"preset_amounts": ["100", "300", "500"]}}


def _widgets(client: Client) -> int:
    """One website widget of each built type, created when the operator has none of that type."""
    existing = set(Widget.objects.for_client(client).values_list("type", flat=True))
    for widget_type in BUILT_TYPES:
        if widget_type not in existing:
            widget_create(client=client, name=f"Demo {widget_type.label}", type=widget_type,
                          allowed_hostnames="localhost\n127.0.0.1", settings=DEMO_WIDGET_SETTINGS.get(widget_type))
    return len(BUILT_TYPES)


def _ensure(model: type[M], client: Client, lookup: dict[str, Any], **values: Any) -> tuple[M, bool]:
    """The operator's row found by `lookup`, created with `values` when missing (and then only)."""
    return model.objects.get_or_create(client=client, **lookup, defaults=values)


def _client(spec: ClientSpec) -> Client:
    client, _ = Client.objects.get_or_create(pk=spec.pk, defaults={
        "name": spec.name, "api_key": spec.api_key, "billing_api_key": spec.billing_api_key,
        "content_api_key": spec.content_api_key, "streaming_api_key": spec.streaming_api_key,
        "currency": "RUB", "enabled": True,
    })
    return client


def _reset_sequences(*model_classes: type[models.Model]) -> None:
    """Rows inserted with explicit ids do not move PostgreSQL sequences; move them past those ids
    so the next operator created in the panel does not collide. No-op on SQLite."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _superuser(username: str, password: str) -> None:
    """The demo superuser, created once: a changed password or a removed flag is the owner's call."""
    User = get_user_model()
    if not User.objects.filter(username=username).exists():
        User.objects.create_superuser(username=username, email=f"{username}@example.com", password=password)


def _staff(client: Client, username: str, password: str) -> None:
    if not get_user_model().objects.filter(username=username).exists():
        operator_staff_create(client=client, username=username, password=password, email=f"{username}@example.com")


def _stream_service(client: Client, spec: ServiceSpec) -> StreamService:
    service, _ = _ensure(StreamService, client, {"name": spec.name}, type=spec.type, url_mask=spec.url_mask,
                         priority=0, enabled=True, check_ip=False, token_ttl=None)
    return service


def _line_up(client: Client, specs: tuple[ChannelSpec, ...],
             source: EpgSource) -> tuple[dict[int, Channel], dict[int, EpgChannel]]:
    """Categories and channels (each shown with its own EPG channel), keyed by channel number,
    which is also the sort order and the logical channel number; and the demo EPG channels."""
    categories = {}
    for sort, name in enumerate(dict.fromkeys(spec.category for spec in specs), start=1):
        categories[name], _ = _ensure(ChannelCategory, client, {"name": name}, sort=sort)
    channels, epg_channels = {}, {}
    for spec in specs:
        epg_channel, _ = _ensure(EpgChannel, client, {"source": source, "ext_id": spec.url_prefix}, name=spec.name)
        epg_channels[spec.number] = epg_channel
        channels[spec.number], _ = _ensure(
            Channel, client, {"url_prefix": spec.url_prefix},
            name=spec.name, category=categories[spec.category], sort=spec.number, lcn_number=spec.number,
            max_archive_duration=spec.archive_hours, enabled=True, is_hidden=False, is_parent_control=False,
            description=f"{spec.name}: {spec.category.lower()} around the clock.", epg_channel=epg_channel,
        )
    return channels, epg_channels


# The guide ------------------------------------------------------------------------------------------

def _guide_days(now: datetime) -> list[date]:
    """Whole local days around `now`, so the guide always holds the same number of programmes."""
    today = timezone.localdate(now)
    return [today + timedelta(days=offset) for offset in range(-EPG_DAYS_BACK, EPG_DAYS_AHEAD + 1)]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _guide_window(now: datetime) -> tuple[datetime, datetime]:
    days = _guide_days(now)
    return _day_start(days[0]), _day_start(days[-1] + timedelta(days=1))


def _guide(client: Client, specs: tuple[ChannelSpec, ...], epg_channels: dict[int, EpgChannel],
           now: datetime) -> int:
    """Fill the days around `now` that a demo EPG channel has no programme in; return how many
    programmes the window holds.

    Days that already have programmes (from an earlier run, an import or the operator) are not
    touched, so a second run the same day adds nothing and a run days later adds only the new days.
    """
    begin, end = _guide_window(now)
    in_window = EpgProgram.objects.for_client(client).filter(
        epg_channel__in=epg_channels.values(), begin_time__lt=end, end_time__gt=begin)
    covered = {(epg_channel_id, timezone.localdate(begin_time))
               for epg_channel_id, begin_time in in_window.values_list("epg_channel_id", "begin_time")}
    programmes = [
        programme
        for spec in specs
        for day in _guide_days(now)
        if (epg_channels[spec.number].pk, day) not in covered
        for programme in _day_programmes(client, epg_channels[spec.number], spec, day)
    ]
    EpgProgram.objects.bulk_create(programmes, batch_size=500)
    return in_window.count()


def _day_programmes(client: Client, epg_channel: EpgChannel, spec: ChannelSpec, day: date) -> list[EpgProgram]:
    """One channel's day from its template: contiguous, from local midnight to the next one."""
    template = EPG_TEMPLATES[spec.kind]
    # Slots are placed by time elapsed since local midnight (UTC arithmetic), so a DST change
    # cannot reorder them; the last slot ends at the next local midnight and so absorbs a 23- or
    # 25-hour day.
    begin_of_day = _day_start(day).astimezone(dt_timezone.utc)
    end_of_day = _day_start(day + timedelta(days=1))
    n = day.toordinal() % 300 + 1
    names = {"n": n, "sport": spec.sport or "Sport"}
    rows = []
    for index, (start, category, titles, description) in enumerate(template):
        hours, minutes = map(int, start.split(":"))
        begin = begin_of_day + timedelta(hours=hours, minutes=minutes)
        if index + 1 < len(template):
            next_hours, next_minutes = map(int, template[index + 1][0].split(":"))
            end = begin_of_day + timedelta(hours=next_hours, minutes=next_minutes)
        else:
            end = end_of_day
        if isinstance(titles, tuple):
            titles = titles[(spec.number + day.toordinal() + index) % len(titles)]
        rows.append(EpgProgram(
            client=client, epg_channel=epg_channel, begin_time=begin, end_time=end,
            name=titles.format(**names), description=description.format(**names), category=category,
            rating=EPG_RATINGS.get(spec.kind),
        ))
    return rows


# Tariffs and subscribers ---------------------------------------------------------------------------

def _tariff(client: Client, spec: TariffSpec, channels: dict[int, Channel],
            services: dict[str, StreamService]) -> Tariff:
    tariff, created = _ensure(
        Tariff, client, {"ext_id": spec.ext_id},
        name=spec.name, description=spec.description, price=spec.price, period=spec.period,
        basic_tariff_priority=spec.basic_tariff_priority, sessions_count=spec.sessions_count,
        basic_sessions_count=spec.basic_sessions_count, hidden=spec.hidden, enabled=True,
    )
    if created:
        tariff.channels.set([channels[number] for number in spec.channels])
        tariff.stream_services.set([services[name] for name in spec.services])
    return tariff


def _subscriber(client: Client, spec: SubscriberSpec, tariffs: dict[str, Tariff]) -> Customer:
    """A customer with their tariffs, their login, the opening balance and device — all made once,
    when the customer (found by `ext_id`) is missing; an existing one is the operator's to change.

    Everything goes through the services, so the new subscriber's partners hear of it as usual.
    """
    customer = Customer.objects.for_client(client).filter(ext_id=spec.ext_id).first()
    if customer is not None:
        return customer
    customer = customer_create(
        client=client, ext_id=spec.ext_id, firstname=spec.firstname, lastname=spec.lastname, email=spec.email,
        mobile_phone_number=spec.phone, postal_address_city=spec.city, postal_address_country="Russia",
        contract_number=f"D-{spec.abonement}",
    )
    for tariff in sorted((tariffs[ext_id] for ext_id in spec.tariffs), key=lambda t: not t.is_basic):
        tariff_assign(customer=customer, tariff=tariff)
    account = _account(client, customer, spec)
    if spec.initial_balance is not None:
        try:
            transaction_create(client=client, customer=customer, amount=spec.initial_balance,
                               source=TransactionSource.MANUAL, ext_id=INITIAL_BALANCE_EXT_ID,
                               comment="Demo opening balance")
        except DuplicateTransaction:
            pass  # the ledger moves money once per external id
        customer.refresh_from_db(fields=["balance"])
    if spec.device_uid and account is not None:
        _device(client, account, spec.device_uid)
    return customer


def _account(client: Client, customer: Customer, spec: SubscriberSpec) -> Account | None:
    """The demo login, unless the operator has given that abonement to someone else meanwhile."""
    if Account.objects.for_client(client).filter(abonement=spec.abonement).exists():
        return None
    account, _ = account_create(client=client, customer=customer, abonement=spec.abonement,
                                password=spec.password, active=spec.active, status_reason=spec.status_reason)
    return account


def _device(client: Client, account: Account, device_uid: str) -> None:
    if AccountDevice.objects.for_client(client).filter(device_uid=device_uid).exists():
        return  # bound to someone already: leave it where the operator put it
    device_type = DeviceType.objects.get(system_name=DEMO_DEVICE["device_type"])
    device_bind(account=account, device_type=device_type, device_uid=device_uid, is_basic=True,
                serial_number=DEMO_DEVICE["serial_number"], device_model=DEMO_DEVICE["device_model"],
                brand_name=DEMO_DEVICE["brand_name"])


# The VOD catalogue ---------------------------------------------------------------------------------

def _catalogue(client: Client, vod_service: StreamService, subscription_tariffs: list[Tariff]) -> int:
    """Genres, people, films with files, one series, and the "New" and "Top" shelves."""
    genres = {name: _ensure(Genre, client, {"name": name}, sort=sort)[0] for sort, name in enumerate(DEMO_GENRES, 1)}
    actors = [_ensure(Actor, client, {"name": name}, type=PersonType.ACTOR, country=country, gender=gender)[0]
              for name, country, gender in DEMO_ACTORS]
    directors = [_ensure(Actor, client, {"name": name}, type=PersonType.DIRECTOR, country=country, gender=gender)[0]
                 for name, country, gender in DEMO_DIRECTORS]
    videos: dict[str, Video] = {}
    for index, spec in enumerate((*DEMO_FILMS, DEMO_SERIES)):
        director = directors[index % len(directors)]
        video, created = _video(client, spec, index, director)
        if created:
            cast = [actors[index % len(actors)], actors[(index + 2) % len(actors)]]
            video.genres.set([genres[name] for name in spec.genres])
            video.actors.set([*cast, director])
            video.tariffs.set(subscription_tariffs if spec.price_category == SUBSCRIPTION else [])
            if spec is DEMO_SERIES:
                _episodes(client, video, spec, vod_service)
            else:
                _ensure(VideoFile, client, {"video": video, "episode": None, "ext_id": f"{spec.slug}-file"},
                        path=f"films/{spec.slug}", quality=2160 if spec.is_4k else 1080,
                        duration=spec.minutes * 60, language=_language(spec), stream_service=vod_service)
        videos[spec.slug] = video

    specs = (*DEMO_FILMS, DEMO_SERIES)
    newest = sorted(specs, key=lambda s: (-s.year, s.name))[:SELECTION_SIZE]
    best = sorted(specs, key=lambda s: (-Decimal(s.imdb), s.name))[:SELECTION_SIZE]
    for sort, (name, picked) in enumerate((("New", newest), ("Top", best)), start=1):
        _selection(client, name, sort, [videos[s.slug] for s in picked])
    return len(videos)


def _language(spec: FilmSpec) -> str:
    return LANGUAGES.get(spec.countries.split(",")[0].strip(), "English")


def _video(client: Client, spec: FilmSpec, index: int, director: Actor) -> tuple[Video, bool]:
    price, rent_price = PURCHASE_PRICES[spec.is_4k] if spec.price_category == PURCHASE else (Decimal("0.00"), None)
    imdb = Decimal(spec.imdb)
    kinopoisk = imdb + KINOPOISK_SPREAD[index % len(KINOPOISK_SPREAD)]
    return _ensure(
        Video, client, {"external_system": None, "ext_id": spec.slug},
        name=spec.name, name_orig=spec.name, description=spec.description,
        short_description=spec.description.split(". ")[0].rstrip(".") + ".", year=spec.year,
        countries=spec.countries, language=_language(spec), duration=spec.minutes, age_rating=spec.age,
        is_parent_control=spec.age >= 18, is_series=spec is DEMO_SERIES, is_4k=spec.is_4k,
        imdb_rating=imdb, kinopoisk_rating=kinopoisk, director=director.name,
        price_category=spec.price_category, price=price, rent_price=rent_price, rent_hours=48,
        available=True, sort=index + 1,
    )


def _episodes(client: Client, series: Video, spec: FilmSpec, vod_service: StreamService) -> None:
    for season_number, names in DEMO_EPISODES.items():
        season, _ = _ensure(Season, client, {"video": series, "number": season_number},
                            name=f"Season {season_number}", ext_id=f"{spec.slug}-s{season_number:02d}")
        for number, name in enumerate(names, start=1):
            code = f"s{season_number:02d}e{number:02d}"
            episode, _ = _ensure(Episode, client, {"video": series, "season": season, "number": number},
                                 name=name, duration=spec.minutes, ext_id=f"{spec.slug}-{code}",
                                 description=f"{spec.name}, season {season_number}, episode {number}: {name}.")
            _ensure(VideoFile, client, {"video": series, "episode": episode, "ext_id": f"{spec.slug}-{code}-file"},
                    path=f"series/{spec.slug}/{code}", quality=1080, duration=spec.minutes * 60,
                    language=_language(spec), stream_service=vod_service)


def _selection(client: Client, name: str, sort: int, videos: list[Video]) -> None:
    selection, created = _ensure(Selection, client, {"name": name, "external_system": None}, sort=sort, enabled=True)
    if created:
        SelectionItem.objects.bulk_create(
            [SelectionItem(selection=selection, video=video, sort=position)
             for position, video in enumerate(videos, start=1)])
