#!/usr/bin/env python3
"""Run python-facebook-api (pyfacebook) unchanged against instalytics graph-sim.

Usage: pyfacebook_check.py [SIM_LOG]   (SIM_LOG = the output of `instalytics graph-sim`, for
tokens and ids; `scripts/check-pyfacebook` runs it all). Exit code 1 when a check fails.

The library is pointed at the simulator only through its own constructor argument
`base_url` (GraphAPI.__init__), i.e. http://HOST/facebook/ stands for https://graph.facebook.com/
and http://HOST/instagram/ for https://graph.instagram.com/. Nothing in the library is patched;
a requests response hook only records what was sent and received.

Every check calls an ordinary library method (or sends a request the way the library sends it).
Each failure is recorded with the request (method, path, params; tokens shortened), the
simulator's answer and what the library expected. Results: stdout and failures.json.
"""

import datetime as dt
import json
import os
import re
import sys
import time
import traceback
from urllib.parse import urlparse, parse_qsl

import requests

import pyfacebook
from pyfacebook import FacebookError, LibraryError, GraphAPI
from pyfacebook import IGBusinessApi, IGBasicDisplayApi

SIM_LOG = sys.argv[1] if len(sys.argv) > 1 else "sim.log"
OUT = os.environ.get("PYFB_OUT", ".")


# ---------------------------------------------------------------------------- accounts
def read_accounts(path):
    text = open(path).read()
    roots = re.search(r"Instagram Login base:\s+(\S+)", text).group(1)
    root = roots.rsplit("/instagram/", 1)[0]
    accounts = []
    for m in re.finditer(
        r"^(\S+)\s+(InstagramLogin|FacebookLogin) ig_user_id=(\d+) token=(\S+)$", text, re.M
    ):
        accounts.append(
            dict(username=m.group(1), flavour=m.group(2), ig_user_id=m.group(3), token=m.group(4))
        )
    return root, accounts


ROOT, ACCOUNTS = read_accounts(SIM_LOG)
FB = next(a for a in ACCOUNTS if a["flavour"] == "FacebookLogin")
IG = next(a for a in ACCOUNTS if a["flavour"] == "InstagramLogin")


# ---------------------------------------------------------------------------- recording
def short(value):
    # Simulator tokens are fake; shortened anyway to keep the report readable.
    return value[:6] + "…" if value and len(value) > 12 else value


class Recorder:
    def __init__(self):
        self.log = []

    def hook(self, resp, *args, **kwargs):
        u = urlparse(resp.request.url)
        params = dict(parse_qsl(u.query, keep_blank_values=True))
        for k in ("access_token", "appsecret_proof", "input_token", "fb_exchange_token"):
            if k in params:
                params[k] = short(params[k])
        auth = resp.request.headers.get("Authorization")
        try:
            body = resp.json()
        except ValueError:
            body = resp.text[:300]
        self.log.append(
            dict(
                method=resp.request.method,
                path=u.path,
                params=params,
                auth_header=(auth.split(" ")[0] + " " + short(auth.split(" ", 1)[1])) if auth else None,
                status=resp.status_code,
                body=body,
            )
        )


REC = Recorder()


def attach(api):
    api.session.hooks["response"].append(REC.hook)
    return api


def fb_client(**kw):
    return attach(
        IGBusinessApi(
            access_token=FB["token"],
            instagram_business_id=FB["ig_user_id"],
            base_url=ROOT + "/facebook/",
            sleep_on_rate_limit=True,
            **kw,
        )
    )


def ig_business_client(**kw):
    # pyfacebook 0.24 has no Instagram-Login client of its own; its IG Business client with
    # the graph.instagram.com base URL is how its users reach Business Login for Instagram.
    return attach(
        IGBusinessApi(
            access_token=IG["token"],
            instagram_business_id=IG["ig_user_id"],
            base_url=ROOT + "/instagram/",
            **kw,
        )
    )


def ig_basic_client(**kw):
    # BasicDisplayAPI.GRAPH_URL is https://graph.instagram.com/: same host, its own defaults.
    return attach(IGBasicDisplayApi(access_token=IG["token"], base_url=ROOT + "/instagram/", **kw))


# ---------------------------------------------------------------------------- checks
RESULTS = []


class Expectation(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Expectation(msg)


def check(group, name, fn, expected, refusal=False):
    """Run fn(); on error keep the request that failed and the simulator's answer.

    refusal=True: Meta refuses this request, so the simulator must refuse it too (FacebookError
    code 100 expected); success is then the failure."""
    start = len(REC.log)
    err, got = None, None
    try:
        got = fn()
        if refusal:
            err = "simulator accepted a request Meta refuses"
    except FacebookError as e:
        if refusal:
            got = f"refused: code {getattr(e, 'code', None)}: {e.message}"
        else:
            err = f"FacebookError code={getattr(e, 'code', None)} subcode={getattr(e, 'error_subcode', None)}: {e.message}"
    except Expectation as e:
        err = f"expectation failed: {e}"
    except LibraryError as e:
        err = f"LibraryError: {e}"
    except Exception as e:  # the library choking on the answer
        err = f"{type(e).__name__}: {e} @ {traceback.extract_tb(e.__traceback__)[-1].name}"
    calls = REC.log[start:]
    RESULTS.append(
        dict(
            group=group,
            name=name,
            ok=err is None,
            error=err,
            expected=expected,
            requests=len(calls),
            last_request={k: v for k, v in calls[-1].items() if k != "body"} if calls else None,
            last_answer=calls[-1]["body"] if calls else None,
            summary=got if isinstance(got, str) else None,
        )
    )
    mark = "ok  " if err is None else "FAIL"
    print(f"[{mark}] {group:<11} {name}" + (f"\n         -> {err}" if err else ""))
    return got


# ---------------------------------------------------------------------------- helpers
def ts(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S%z")


def ids_by_kind(api, ig_user_id):
    """One id of each kind the simulator has, via the library's own paging (up to 200)."""
    got = api.user.get_media(
        fields="id,media_type,media_product_type,timestamp", count=200, limit=100, return_json=True
    )
    kinds = {}
    for m in got["data"]:
        key = (m["media_type"], m.get("media_product_type"))
        kinds.setdefault(key, m["id"])
    return kinds


NOW = int(time.time())
DAY = 86400

MEDIA_ALL_FIELDS = (
    "id,ig_id,caption,comments_count,like_count,is_comment_enabled,media_type,"
    "media_product_type,media_url,thumbnail_url,permalink,shortcode,timestamp,username,owner,children"
)
USER_ALL_FIELDS = (
    "id,ig_id,username,name,biography,website,profile_picture_url,followers_count,follows_count,media_count"
)
FEED_METRICS = "reach,likes,comments,saved,shares,total_interactions,views,follows,profile_visits"
REELS_METRICS = "reach,likes,comments,saved,shares,total_interactions,views,ig_reels_avg_watch_time,ig_reels_video_view_total_time"
STORY_METRICS = "reach,replies,navigation,shares,total_interactions,views,follows,profile_visits"


def business_suite(group, api, acct):
    uid = acct["ig_user_id"]

    def user_default():
        u = api.user.get_info()
        expect(u is not None and u.id == uid, f"id {getattr(u, 'id', None)} != {uid}")
        for f in ("username", "name", "biography", "profile_picture_url", "followers_count", "media_count"):
            expect(getattr(u, f) is not None, f"default field {f} missing")
        return u

    check(group, "user.get_info() default fields", user_default,
          "IgBusUser with the 7 default fields (id,biography,name,username,profile_picture_url,followers_count,media_count)")

    def user_all():
        d = api.user.get_info(fields=USER_ALL_FIELDS, return_json=True)
        missing = [f for f in USER_ALL_FIELDS.split(",") if f not in d]
        expect(not missing, f"missing {missing}")
        return d

    check(group, "user.get_info(every documented IG User field)", user_all,
          "every field Meta documents on IG User answered")

    def media_default():
        r = api.user.get_media()
        expect(len(r.data) == 10, f"{len(r.data)} items, library default count=10")
        for m in r.data:
            expect(m.id and m.media_type and m.timestamp and m.permalink, f"fields missing on {m.id}")
        return r

    check(group, "user.get_media() default fields (count=10, limit=10: 2 pages)", media_default,
          "10 media with the library's default fields incl. children{...shortcode...}")

    def media_paged():
        r = api.user.get_media(count=75, limit=25, return_json=True)
        ids = [m["id"] for m in r["data"]]
        expect(len(ids) == 75 and len(set(ids)) == 75, f"{len(ids)} items, {len(set(ids))} distinct")
        times = [ts(m["timestamp"]) for m in r["data"]]
        expect(times == sorted(times, reverse=True), "not newest first")
        return r

    check(group, "user.get_media(count=75, limit=25) paging via paging.next", media_paged,
          "75 distinct media over 4 pages, newest first")

    def media_paged_no_child_shortcode():
        f = "id,caption,comments_count,children{id,media_type,media_url,permalink,thumbnail_url,timestamp},like_count,media_type,media_url,permalink,timestamp"
        r = api.user.get_media(fields=f, count=75, limit=25, return_json=True)
        ids = [m["id"] for m in r["data"]]
        expect(len(ids) == 75 and len(set(ids)) == 75, f"{len(ids)} items, {len(set(ids))} distinct")
        return r

    check(group, "user.get_media(count=75, limit=25) with the default fields minus children{shortcode}",
          media_paged_no_child_shortcode, "75 distinct media over 4 pages (isolates the shortcode failure)")

    def media_all_pages():
        r = api.user.get_media(fields="id,timestamp", count=None, limit=100, return_json=True)
        n = api.user.get_info(fields="media_count").media_count
        expect(len(r["data"]) == n, f"walked {len(r['data'])} media, media_count={n}")
        return r

    check(group, "user.get_media(count=None, limit=100) walks every page", media_all_pages,
          "every media (== media_count), stops when paging.next is absent")

    def media_since(since, until, lo, hi):
        def run():
            r = api.user.get_media(fields="id,timestamp", since=since, until=until, count=None, limit=50,
                                   return_json=True)
            bad = [m["timestamp"] for m in r["data"] if not (lo <= ts(m["timestamp"]).timestamp() <= hi)]
            expect(r["data"], "no media in window")
            expect(not bad, f"{len(bad)} media outside the window, e.g. {bad[:2]}")
            return r
        return run

    check(group, "user.get_media(since/until unix)", media_since(NOW - 14 * DAY, NOW, NOW - 14 * DAY, NOW),
          "media of the last 14 days only")
    d0 = dt.datetime.fromtimestamp(NOW - 14 * DAY, dt.timezone.utc).date()
    d1 = dt.datetime.fromtimestamp(NOW, dt.timezone.utc).date()
    lo = dt.datetime.combine(d0, dt.time(), dt.timezone.utc).timestamp()
    check(group, "user.get_media(since/until 'YYYY-MM-DD')",
          media_since(d0.isoformat(), d1.isoformat(), lo, NOW + DAY),
          "dates accepted (library doc: 'A Unix timestamp or strtotime data value')")
    # What requests sends when a Python datetime is passed: str(datetime) -> 'YYYY-MM-DD HH:MM:SS'
    check(group, "user.get_media(since=datetime, until=datetime) (sent as 'YYYY-MM-DD HH:MM:SS')",
          media_since(dt.datetime.fromtimestamp(NOW - 14 * DAY, dt.timezone.utc).replace(tzinfo=None),
                      dt.datetime.fromtimestamp(NOW, dt.timezone.utc).replace(tzinfo=None),
                      NOW - 14 * DAY - 1, NOW + 1),
          "strtotime-style date-time with a space accepted")
    check(group, "user.get_media(since='-7 days', until='now') (strtotime relative)",
          media_since("-7 days", "now", NOW - 7 * DAY - 3600, NOW + 3600),
          "strtotime relative values accepted")

    kinds = check(group, "collect one media id per type", lambda: ids_by_kind(api, uid), "ids") or {}
    print("         kinds:", {f"{k[0]}/{k[1]}": v for k, v in kinds.items()})

    def media_info(mid, fields=None, need=("id", "media_type", "timestamp")):
        def run():
            d = api.media.get_info(mid, fields=fields, return_json=True)
            missing = [f for f in need if f not in d]
            expect(not missing, f"missing {missing}")
            m = pyfacebook.models.ig_business_models.IgBusMedia.new_from_json_dict(d)
            return m
        return run

    for (mtype, prod), mid in sorted(kinds.items()):
        check(group, f"media.get_info({mtype}/{prod}) default fields", media_info(mid),
              "IgBusMedia with the default fields (children{id,media_type,media_url,permalink,shortcode,thumbnail_url,timestamp} on albums)")
    for (mtype, prod), mid in sorted(kinds.items()):
        check(group, f"media.get_info({mtype}/{prod}, every documented IG Media field)",
              media_info(mid, MEDIA_ALL_FIELDS, ("id", "ig_id", "shortcode", "owner", "is_comment_enabled")),
              "every IG Media field Meta documents")

    album = kinds.get(("CAROUSEL_ALBUM", "FEED"))
    if album:
        def children():
            c = api.media.get_children(album)
            expect(c and c.data and all(x.id for x in c.data), "no children")
            return c
        check(group, "media.get_children(album) default fields (GET /{media}/children)", children,
              "IgBusMediaChildren list")

    if album:
        def child_node():
            kids = api.media.get_info(album, fields="id,children", return_json=True)["children"]["data"]
            d = api.media.get_info(kids[0]["id"], return_json=True)
            expect(d.get("id") == kids[0]["id"], "wrong id")
            return d
        check(group, "media.get_info(<album child id>) default fields (GET /{child-id})", child_node,
              "the child as an IG Media node (Airbyte reads each child this way)")

    def batch():
        sample = list(kinds.values())[:3]
        d = api.media.get_batch(sample, return_json=True)
        expect(set(d) == set(sample), f"keys {list(d)}")
        return d

    check(group, "media.get_batch(ids) (GET /?ids=a,b,c)", batch, "{id: media} for each id")

    insight_sets = {
        ("IMAGE", "FEED"): FEED_METRICS,
        ("CAROUSEL_ALBUM", "FEED"): FEED_METRICS.replace(",views", ",views"),
        ("VIDEO", "REELS"): REELS_METRICS,
    }
    for key, metrics in insight_sets.items():
        if key in kinds:
            def run(mid=kinds[key], metrics=metrics):
                r = api.media.get_insights(mid, metric=metrics)
                names = [i.name for i in r.data]
                expect(names == metrics.split(","), f"names {names}")
                expect(all(i.values and i.values[0].value is not None for i in r.data), "values missing")
                return r
            check(group, f"media.get_insights({key[0]}/{key[1]}, {metrics})", run,
                  "one lifetime value per metric")
    if ("IMAGE", "FEED") in kinds:
        def bd():
            r = api.media.get_insights(kinds[("IMAGE", "FEED")], metric="profile_activity", breakdown="action_type")
            expect(r.data and r.data[0].total_value and r.data[0].total_value.breakdowns is not None,
                   "no total_value.breakdowns")
            return r
        check(group, "media.get_insights(IMAGE, profile_activity, breakdown=action_type)", bd,
              "total_value with breakdowns by action_type (instagram-media/insights sample)")

    def refusal_media_metric():
        return api.media.get_insights(kinds[("IMAGE", "FEED")], metric="impressions")
    if ("IMAGE", "FEED") in kinds:
        check(group, "media.get_insights(IMAGE, impressions) must be refused", refusal_media_metric,
              "(#100) … impressions … v22.0", refusal=True)

    # Stories
    def stories():
        r = api.user.get_stories()
        expect(r is not None and r.data, "no stories")
        return r

    st = check(group, "user.get_stories() default fields", stories, "IgBusMediaResponse of live stories")
    if st:
        sid = st.data[0].id

        def story_ins():
            r = api.media.get_insights(sid, metric=STORY_METRICS)
            expect([i.name for i in r.data] == STORY_METRICS.split(","), "names")
            return r
        check(group, f"media.get_insights(STORY, {STORY_METRICS})", story_ins, "one lifetime value per metric")

        def story_nav():
            r = api.media.get_insights(sid, metric="navigation", breakdown="story_navigation_action_type")
            expect(r.data and r.data[0].total_value and r.data[0].total_value.breakdowns,
                   "no total_value.breakdowns")
            return r
        check(group, "media.get_insights(STORY, navigation, breakdown=story_navigation_action_type)", story_nav,
              "total_value with breakdowns (instagram-media/insights sample)")
        check(group, "media.get_info(STORY) default fields", media_info(sid), "IgBusMedia")

    # Account insights
    def ins(expect_fn=None, **kw):
        def run():
            r = api.user.get_insights(**kw)
            expect(r is not None and r.data, "empty data")
            if expect_fn:
                expect_fn(r)
            return r
        return run

    def series(r):
        for i in r.data:
            expect(i.values and all(v.end_time for v in i.values), f"{i.name}: no values/end_time")

    def totals(r):
        for i in r.data:
            expect(i.total_value is not None and i.total_value.value is not None, f"{i.name}: no total_value")

    def with_breakdowns(r):
        # Demographics carry breakdowns without a total (Meta's engaged_audience_demographics
        # sample in instagram-user/insights has no total_value.value).
        for i in r.data:
            expect(i.total_value is not None, f"{i.name}: no total_value")
            expect(i.total_value.breakdowns, f"{i.name}: no breakdowns")

    check(group, "user.get_insights(reach, period=day) no since/until", ins(series, metric="reach", period="day"),
          "time series of the default range")
    check(group, "user.get_insights(reach,follower_count, day, since/until unix 7 days)",
          ins(series, metric="reach,follower_count", period="day", since=NOW - 7 * DAY, until=NOW),
          "two daily series")
    check(group, "user.get_insights(reach, day, since/until 'YYYY-MM-DD')",
          ins(series, metric="reach", period="day",
              since=(d1 - dt.timedelta(days=7)).isoformat(), until=d1.isoformat()),
          "daily series")
    check(group, "user.get_insights(reach, period=week)", ins(series, metric="reach", period="week"),
          "reach accepts week (instagram-user/insights)")
    check(group, "user.get_insights(reach, period=days_28)", ins(series, metric="reach", period="days_28"),
          "reach accepts days_28 (instagram-user/insights)")
    tv = "reach,views,accounts_engaged,total_interactions,likes,comments,shares,saves,replies"
    check(group, f"user.get_insights({tv}, day, metric_type=total_value)",
          ins(totals, metric=tv, period="day", metric_type="total_value", since=NOW - 7 * DAY, until=NOW),
          "total_value per metric")
    check(group, "user.get_insights(profile_links_taps,follows_and_unfollows,reposts, total_value)",
          ins(totals, metric="profile_links_taps,follows_and_unfollows,reposts", period="day",
              metric_type="total_value", since=NOW - 7 * DAY, until=NOW),
          "documented total_value metrics (instagram-user/insights)")
    check(group, "user.get_insights(reach,views, total_value, breakdown=media_product_type)",
          ins(with_breakdowns, metric="reach,views", period="day", metric_type="total_value",
              breakdown="media_product_type", since=NOW - 7 * DAY, until=NOW),
          "total_value.breakdowns by media_product_type")
    check(group, "user.get_insights(reach, total_value, breakdown=follow_type)",
          ins(with_breakdowns, metric="reach", period="day", metric_type="total_value",
              breakdown="follow_type", since=NOW - 7 * DAY, until=NOW),
          "total_value.breakdowns by follow_type")
    check(group, "user.get_insights(online_followers, period=lifetime)",
          ins(None, metric="online_followers", period="lifetime", since=NOW - 3 * DAY, until=NOW),
          "hour map per day (instagram-user/insights)")
    check(group, "user.get_insights(follower_demographics, lifetime, total_value, breakdown=country)",
          ins(with_breakdowns, metric="follower_demographics", period="lifetime", metric_type="total_value",
              breakdown="country", timeframe="this_month"),
          "top countries (instagram-user/insights)")
    check(group, "user.get_insights(reach, day, 31-day window) must be refused",
          lambda: api.user.get_insights(metric="reach", period="day", since=NOW - 31 * DAY, until=NOW),
          "(#100) There cannot be more than 30 days …", refusal=True)
    check(group, "user.get_insights(impressions, day) must be refused",
          lambda: api.user.get_insights(metric="impressions", period="day"),
          "(#100) Starting from version 22 …", refusal=True)
    check(group, "user.get_info(fields=nonexistent) must be refused",
          lambda: api.user.get_info(fields="id,not_a_field"),
          "(#100) Tried accessing nonexisting field (not_a_field) …", refusal=True)
    if kinds:
        check(group, "media.get_info(fields=nonexistent) must be refused",
              lambda: api.media.get_info(list(kinds.values())[0], fields="id,not_a_field"),
              "(#100) Tried accessing nonexisting field …", refusal=True)
    if kinds:
        mid = kinds.get(("VIDEO", "REELS")) or list(kinds.values())[0]
        # A field of pyfacebook's own IgBusMedia model, documented on IG Media (v25 table).
        check(group, "media.get_info(REELS, fields=is_shared_to_feed) (a field of the library's model)",
              media_info(mid, "id,is_shared_to_feed", ("is_shared_to_feed",)),
              "is_shared_to_feed answered (IG Media reference, v25)")
        newer = ["alt_text", "is_ai_generated", "legacy_instagram_media_id", "media_audio_type"]
        if acct["flavour"] == "FacebookLogin":
            newer += ["reposts_count", "saved_count", "shares_count", "total_comments_count",
                      "total_like_count", "total_views_count"]
        for f in newer:
            check(group, f"media.get_info(REELS, fields=id,{f}) (IG Media v25 field table)",
                  lambda f=f: api.media.get_info(mid, fields=f"id,{f}", return_json=True),
                  "accepted (value or omitted), not 'nonexisting field'")
    check(group, "user.get_insights(reach, total_value, breakdown=contact_button_type) must be refused",
          lambda: api.user.get_insights(metric="reach", period="day", metric_type="total_value",
                                        breakdown="contact_button_type", since=NOW - 7 * DAY, until=NOW),
          "Meta: 'An unknown error has occurred.' (breakdown the metric lacks)", refusal=True)
    return kinds


def raw_suite(group, base, acct, app_secret=None):
    """Requests as the library's GraphAPI.get_object sends them, and with the token as a
    header instead (clients other than pyfacebook do this)."""
    api = attach(GraphAPI(access_token=acct["token"], base_url=base, app_id="1234" if app_secret else None,
                          app_secret=app_secret, version="v25.0"))
    uid = acct["ig_user_id"]
    check(group, f"GraphAPI.get_object({uid}) fields='' (library default for get_object)",
          lambda: api.get_object(uid), "node with its default fields (id)")
    check(group, "GraphAPI.get_object(me, fields=id,username)",
          lambda: api.get_object("me", fields="id,username") if acct["flavour"] == "InstagramLogin"
          else api.get_object("me", fields="id,name"), "the /me node")

    def bearer():
        s = requests.Session()
        s.hooks["response"].append(REC.hook)
        r = s.get(f"{base}v25.0/{uid}", params={"fields": "id,username"},
                  headers={"Authorization": f"Bearer {acct['token']}"})
        d = r.json()
        if "error" in d:
            raise FacebookError(d)
        expect(d.get("id") == uid, "wrong id")
        return d

    check(group, "token as Authorization: Bearer header", bearer, "same answer as access_token=")
    if acct["flavour"] == "InstagramLogin":
        for f in ("user_id", "account_type"):
            check(group, f"GraphAPI.get_object(<ig id>, fields=id,{f}) (Instagram Login user field)",
                  lambda f=f: api.get_object(uid, fields=f"id,{f}"),
                  "field answered (instagram-api-with-instagram-login/get-started lists it)")
        check(group, "GraphAPI.get_object(me, fields=id,not_a_field) must be refused",
              lambda: api.get_object("me", fields="id,not_a_field"),
              "(#100) Tried accessing nonexisting field (not_a_field) …", refusal=True)
    if app_secret:
        def bad_proof():
            # Sent by hand: GraphAPI._append_token always overwrites appsecret_proof.
            s = requests.Session()
            s.hooks["response"].append(REC.hook)
            d = s.get(f"{base}v25.0/{uid}", params={"fields": "id", "access_token": acct["token"],
                                                     "appsecret_proof": "00" * 32}).json()
            if "error" in d:
                raise FacebookError(d)
            return d
        check(group, "appsecret_proof that does not match the token must be refused", bad_proof,
              "(#100) Invalid appsecret_proof provided in the API argument", refusal=True)


def main():
    print(f"pyfacebook {pyfacebook.__version__}; simulator {ROOT}")
    print(f"accounts: FB {FB['username']} {FB['ig_user_id']}, IG {IG['username']} {IG['ig_user_id']}\n")

    # --- Facebook Login: IGBusinessApi on graph.facebook.com, library default version (v24.0)
    business_suite("FB/IGBiz", fb_client(), FB)
    # With an app secret the library adds appsecret_proof to every call.
    api = fb_client(app_id="1234", app_secret="app-secret", version="v25.0")
    check("FB/proof", "user.get_info() with appsecret_proof, v25.0", lambda: api.user.get_info(),
          "IgBusUser")
    check("FB/proof", "user.get_media(count=30, limit=10) with appsecret_proof (paging)",
          lambda: api.user.get_media(count=30, limit=10), "30 media")
    check("FB/pages", "get_connection(me, accounts, fields=id,name,instagram_business_account)",
          lambda: api.get_connection("me", "accounts", fields="id,name,instagram_business_account"),
          "pages with instagram_business_account")
    check("FB/token", "debug_token(input_token, app token 'id|secret')",
          lambda: api.debug_token(FB["token"], access_token="1234|app-secret"), "data.is_valid")
    raw_suite("FB/raw", ROOT + "/facebook/", FB, app_secret="app-secret")

    # --- Instagram Login, IGBusinessApi pointed at graph.instagram.com
    business_suite("IG/IGBiz", ig_business_client(), IG)
    raw_suite("IG/raw", ROOT + "/instagram/", IG)

    # --- Instagram Login with instagram_business_id='me' (graph.instagram.com resolves /me)
    me = attach(IGBusinessApi(access_token=IG["token"], instagram_business_id="me", base_url=ROOT + "/instagram/"))
    check("IG/me", "IGBusinessApi(instagram_business_id='me').user.get_info()",
          lambda: (lambda u: (expect(u.username and u.media_count is not None, "fields missing"), u)[1])(me.user.get_info()),
          "GET /me?fields=<IG User defaults> answers the user node (instagram-platform/reference/me)")
    check("IG/me", "IGBusinessApi(instagram_business_id='me').user.get_media(count=30, limit=10)",
          lambda: me.user.get_media(count=30, limit=10, fields="id,timestamp"), "GET /me/media")
    check("IG/me", "IGBusinessApi(instagram_business_id='me').user.get_insights(reach, day)",
          lambda: me.user.get_insights(metric="reach", period="day"), "GET /me/insights")
    check("IG/me", "IGBusinessApi(instagram_business_id='me').user.get_stories()",
          lambda: me.user.get_stories(), "GET /me/stories")

    # --- Instagram Login, IGBasicDisplayApi (graph.instagram.com, /me-based)
    basic = ig_basic_client()

    def basic_user():
        u = basic.user.get_info()
        expect(u is not None, "no user")
        missing = [f for f in ("id", "account_type", "media_count", "username") if getattr(u, f) is None]
        expect(not missing, f"default fields missing: {missing}")
        return u

    check("IG/basic", "user.get_info() -> GET /me?fields=account_type,id,media_count,username", basic_user,
          "IgBasicUser with its 4 default fields")

    def basic_media():
        r = basic.user.get_media(count=30, limit=10)
        expect(len(r.data) == 30, f"{len(r.data)} items")
        return r

    check("IG/basic", "user.get_media(count=30, limit=10) -> GET /me/media", basic_media, "30 media")

    def basic_media_by_id():
        r = basic.user.get_media(user_id=IG["ig_user_id"], count=30, limit=10)
        expect(len(r.data) == 30, f"{len(r.data)} items")
        return r

    mr = check("IG/basic", "user.get_media(user_id=<ig id>, count=30, limit=10)", basic_media_by_id, "30 media")
    if mr:
        album = next((m.id for m in mr.data if m.media_type == "CAROUSEL_ALBUM"), None)
        check("IG/basic", "media.get_info(id) default basic fields",
              lambda: basic.media.get_info(mr.data[0].id), "IgBasicMedia")
        if album:
            check("IG/basic", "media.get_children(album) -> GET /{media}/children",
                  lambda: basic.media.get_children(album), "children")

    # --- summary
    fails = [r for r in RESULTS if not r["ok"]]
    print(f"\n{len(RESULTS) - len(fails)} ok, {len(fails)} failed")
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(RESULTS, f, indent=1, default=str)
    with open(os.path.join(OUT, "failures.json"), "w") as f:
        json.dump(fails, f, indent=1, default=str)
    for r in fails:
        print(f"\n## {r['group']} {r['name']}\n  error:    {r['error']}\n  expected: {r['expected']}")
        if r["last_request"]:
            q = r["last_request"]
            print(f"  request:  {q['method']} {q['path']} {json.dumps(q['params'])}"
                  + (f" Authorization: {q['auth_header']}" if q["auth_header"] else ""))
            print(f"  answer:   HTTP {q['status']} {json.dumps(r['last_answer'])[:600]}")


if __name__ == "__main__":
    main()
    sys.exit(1 if any(not r["ok"] for r in RESULTS) else 0)
