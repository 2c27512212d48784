from .structured_communication import (
    COMMUNICATION_BASE_MAX,
    COMMUNICATION_BASE_OFFSET,
    build_structured_communication_be,
    find_structured_communications,
    format_structured_communication,
)
