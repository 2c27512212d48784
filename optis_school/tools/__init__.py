from .qr_code import qr_code_svg_data_uri
