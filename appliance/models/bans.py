"""Blocked sources: an address, or one user name from an address, refused until a time."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class Ban(BaseModel):
    """One block. An empty ``username`` blocks the whole address in the kernel (nftables); a user name
    is refused from that address by Asterisk (the endpoint's ``deny`` ACL), and only that user name."""

    address = peewee.CharField(max_length=45)
    username = peewee.CharField(max_length=64, default="")
    #: What failed: "sip", "voicemail" or "ami" (appliance.security.events).
    service = peewee.CharField(max_length=16)
    #: Why: "password" (failures of one user name), "scan" (many user names), "flood" (too fast).
    reason = peewee.CharField(max_length=16)
    failures = peewee.IntegerField(default=0)
    #: User names that failed from the address (comma-separated, the first few), for the admin.
    usernames = peewee.CharField(max_length=255, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(index=True)
    #: Whether the block is in force (for an address: the daemon put it in the kernel's set).
    enforced = peewee.BooleanField(default=False)

    class Meta:
        table_name = "bans"
        indexes = ((("address", "username"), True),)

    @property
    def whole_address(self):
        """Tell whether this blocks every user name from the address (a kernel block)."""
        return not self.username

    @classmethod
    def active(cls, now=None):
        """Return the bans still in force at ``now`` (default: now), newest first."""
        return cls.select().where(cls.expires_at > (now or utcnow())).order_by(cls.created_at.desc(), cls.id.desc())

    @classmethod
    def refused_addresses(cls, usernames=None, now=None):
        """Return {user name: sorted addresses it is refused from} for the bans in force (of ``usernames``)."""
        query = cls.select(cls.username, cls.address).where((cls.username != "") & (cls.expires_at > (now or utcnow())))
        if usernames is not None:
            query = query.where(cls.username.in_(sorted(usernames)))
        found = {}
        for ban in query:
            found.setdefault(ban.username, []).append(ban.address)
        return {username: sorted(addresses) for username, addresses in found.items()}
