from . import school_appointment_slot_wizard
