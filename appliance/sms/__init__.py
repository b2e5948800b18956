"""SMS: the text codec (GSM-7/UCS-2, parts and UDH), the SMPP session and the HTTP provider.

The durable rows and their rules live in appliance/models/sms.py and appliance/services/sms.py;
this package holds what talks to the outside and the byte-level work, no database writes.
"""
