from __future__ import annotations

import pytest

from edgesim.cache.viewer import ViewerInfo, cloudfront_header

UA = {
    "iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "ipad": "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "android_phone": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/125.0 Mobile Safari/537.36",
    "android_tablet": "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
    "smart_tv": "Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 SamsungBrowser/5.0 TV Safari/537.36",
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
}


@pytest.mark.parametrize(
    "ua, mobile, tablet, tv, desktop, android, ios",
    [
        ("iphone", True, False, False, False, False, True),
        ("ipad", False, True, False, False, False, True),
        ("android_phone", True, False, False, False, True, False),
        ("android_tablet", False, True, False, False, True, False),
        ("smart_tv", False, False, True, False, False, False),
        ("desktop", False, False, False, True, False, False),
    ],
)
def test_device_headers_from_user_agent(ua: str, mobile: bool, tablet: bool, tv: bool, desktop: bool, android: bool, ios: bool) -> None:
    viewer = ViewerInfo(user_agent=UA[ua])
    got = {
        name: (cloudfront_header(f"CloudFront-Is-{name}-Viewer", viewer) or ("", ""))[1]
        for name in ("Mobile", "Tablet", "SmartTV", "Desktop", "Android", "IOS")
    }
    want = dict(zip(("Mobile", "Tablet", "SmartTV", "Desktop", "Android", "IOS"), (mobile, tablet, tv, desktop, android, ios)))
    assert got == {k: "true" if v else "false" for k, v in want.items()}


def test_unknown_header_and_missing_location_give_none() -> None:
    assert cloudfront_header("X-Not-CloudFront", ViewerInfo()) is None
    assert cloudfront_header("CloudFront-Viewer-Country", ViewerInfo()) is None


def test_tls_headers_only_for_https_viewers() -> None:
    tls = "TLSv1.3:TLS_AES_128_GCM_SHA256:fullHandshake"
    assert cloudfront_header("cloudfront-viewer-tls", ViewerInfo(scheme="http", tls=tls)) is None
    assert cloudfront_header("cloudfront-viewer-tls", ViewerInfo(scheme="https", tls=tls)) == ("CloudFront-Viewer-TLS", tls)


def test_header_order_and_count() -> None:
    viewer = ViewerInfo(header_names=("Host", "User-Agent", "Accept"))
    assert cloudfront_header("CloudFront-Viewer-Header-Order", viewer) == ("CloudFront-Viewer-Header-Order", "Host:User-Agent:Accept")
    assert cloudfront_header("CloudFront-Viewer-Header-Count", viewer) == ("CloudFront-Viewer-Header-Count", "3")
