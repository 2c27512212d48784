from . import school_booking_lock_mixin
from . import school_appointment_type
from . import school_meeting_counter
from . import school_meeting_agent
from . import school_meeting_availability
from . import school_meeting_unavailability
from . import school_appointment
