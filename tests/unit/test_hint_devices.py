"""The files read only the devices the BLF pattern hint does not cover."""
from appliance.models.extensions import Device
from appliance.services import Actor, extensions
from appliance.services.engine_rows import HintDevice, hint_devices

SYSTEM = Actor.system("test")


def test_only_extensions_the_pattern_hint_misses_are_read(database):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)  # one device named 201: the pattern
    two, _ = extensions.create(extensions.ExtensionInput("202", "Bia"), SYSTEM)
    extensions.add_device(two.id, "Softphone", SYSTEM)
    three, _ = extensions.create(extensions.ExtensionInput("203", "Caio"), SYSTEM)
    extensions.add_device(three.id, "Softphone", SYSTEM)
    first = Device.get(Device.sip_username == "203")
    extensions.delete_device(first.id, SYSTEM)  # its one device left is not named 203

    found = hint_devices()

    assert {device.extension for device in found} == {"202", "203"}
    assert [d for d in found if d.extension == "202"][0] == HintDevice("202", "202")
    assert len([d for d in found if d.extension == "202"]) == 2
    assert [d.username for d in found if d.extension == "203"] == [
        Device.get(Device.extension == three.id).sip_username]
