"""Identity proofing: self-enrolment (card OCR, card check, face match, liveness) and assurance levels."""
