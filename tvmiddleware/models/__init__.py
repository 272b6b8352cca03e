"""Core domain models, one module per sub-domain."""
from .account_data import (
    AccountChannelSetting, AccountVideoSetting, ContentPosition, ContentKind, Message, MessageRead, PortalSetting,
    ProgrammeReminder, RecentChannel,
)
from .base import TenantModel, TenantQuerySet, staff_client_id
from .channels import AspectRatio, Channel, ChannelCategory, EpgChannel, EpgProgram, EpgSource, Telemeter
from .channel_sorts import ChannelSort, ChannelSortItem
from .clients import BillingMode, Client, OperatorProfile
from .counters import AttemptCounter
from .customers import Account, AccountDevice, AccountStatus, Customer, Gender, PaymentType
from .dealers import BankAccount, Contract, Dealer
from .devices import DeviceGroup, DeviceType, ResponseFormat
from .events import DeliveryStatus, DomainEvent, EventDelivery
from .external import ExternalSystem, ExternalSystemAttribute
from .guest import GuestBrowsing, ProviderBranding, VideoTrailer
from .scheduling import ScheduledJob
from .sessions import AuthKey, hash_authkey
from .streaming import StreamService, StreamServiceType
from .tariffs import Tariff, TariffSubscription
from .vod import Actor, Episode, Genre, PersonType, PriceCategory, Season, Selection, SelectionItem, Video, VideoFile
from .vod import PurchaseKind, VideoPurchase
from .self_service import (
    AccountProfile, CodePurpose, InterfaceTemplate, NotifyChannel, SelfServiceSettings, VerificationCode,
)
from .login_variants import (
    CountryNetwork, DeviceCommand, DeviceCommandType, OperatorCountry, PhoneVerification, ProfileType, QrLogin,
)
from .video_ratings import VideoRating
from .content_extra import (
    ActorExtra, ChannelExtra, EpisodeExtra, MaintenanceWindow, ProgramBlocking, RadioStation, SeasonExtra,
    SelectionExtra, SkipFragmentType, SkipVideoFragment, VideoExtra, VideoFileExtra,
)
from .actions import ActionOrigin, SubscriberAction
from .stream_details import AudioTrack, DrmProfile, DrmType, SubtitleFormat, SubtitleTrack, VideoQuality

__all__ = [
    "GuestBrowsing", "ProviderBranding", "VideoTrailer",
    "AccountProfile", "CodePurpose", "InterfaceTemplate", "NotifyChannel", "SelfServiceSettings", "VerificationCode",
    "AccountChannelSetting", "AccountVideoSetting", "AttemptCounter", "AuthKey", "ContentPosition", "ContentKind",
    "Message", "MessageRead", "PortalSetting", "ProgrammeReminder", "PurchaseKind", "RecentChannel", "VideoPurchase", "ScheduledJob", "hash_authkey",
    "Account", "AccountDevice", "AccountStatus", "Actor", "BillingMode", "Channel", "ChannelCategory",
    "Client", "Customer", "DeliveryStatus", "DeviceGroup", "DeviceType", "DomainEvent", "EpgChannel",
    "EpgProgram", "EpgSource", "Episode", "EventDelivery", "ExternalSystem", "ExternalSystemAttribute",
    "Genre", "OperatorProfile", "PersonType", "PriceCategory", "ResponseFormat", "Season", "Selection",
    "SelectionItem", "StreamService", "StreamServiceType", "Tariff", "TariffSubscription", "TenantModel",
    "TenantQuerySet", "Video", "VideoFile", "staff_client_id",
    "ActorExtra", "ChannelExtra", "EpisodeExtra", "MaintenanceWindow", "ProgramBlocking", "RadioStation",
    "SeasonExtra", "SelectionExtra", "SkipFragmentType", "SkipVideoFragment", "VideoExtra", "VideoFileExtra",
    "AudioTrack", "DrmProfile", "DrmType", "SubtitleFormat", "SubtitleTrack", "VideoQuality",
    "AspectRatio", "ChannelSort", "ChannelSortItem", "Telemeter",
    "CountryNetwork", "DeviceCommand", "DeviceCommandType", "OperatorCountry", "PhoneVerification", "ProfileType",
    "QrLogin",
    "VideoRating",
    "ActionOrigin", "SubscriberAction",
    "BankAccount", "Contract", "Dealer", "Gender", "PaymentType",
]
