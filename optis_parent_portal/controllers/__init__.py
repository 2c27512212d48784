from . import portal
from . import interview
