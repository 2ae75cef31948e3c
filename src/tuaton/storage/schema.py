"""Every table, imported in one place so the metadata is complete for migrations."""

from tuaton.agencies import models as _agencies  # noqa: F401
from tuaton.audit import models as _audit  # noqa: F401
from tuaton.card import models as _card  # noqa: F401
from tuaton.identity import models as _identity  # noqa: F401
from tuaton.officers import models as _officers  # noqa: F401
from tuaton.oidc import models as _oidc  # noqa: F401
from tuaton.organisations import models as _organisations  # noqa: F401
from tuaton.programme import models as _programme  # noqa: F401
from tuaton.proofing import models as _proofing  # noqa: F401
from tuaton.registry import models as _registry  # noqa: F401
from tuaton.storage import tallies as _tallies  # noqa: F401
from tuaton.storage.db import Base

metadata = Base.metadata
