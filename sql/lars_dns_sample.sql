-- Sample routes: modid 1..10, cmdid 1, three to five hosts each.
-- Loadable any number of times: INSERT IGNORE on the unique host key adds
-- nothing the second time. Run with the target database selected.
-- Ports 9001+ stay clear of the daemons' defaults (7778, 7779, 8888-8890).

START TRANSACTION;

-- Bump the version first: the UPDATE locks the version row for the whole
-- change, as every route change does, and GREATEST keeps two changes in
-- one second distinct so a running DNS notices.
UPDATE RouteVersion SET version = GREATEST(UNIX_TIMESTAMP(), version + 1) WHERE id = 1;

INSERT IGNORE INTO RouteData (modid, cmdid, serverip, serverport) VALUES
  (1, 1, INET_ATON('127.0.0.1'), 9001),
  (1, 1, INET_ATON('127.0.0.2'), 9002),
  (1, 1, INET_ATON('127.0.0.3'), 9003),
  (2, 1, INET_ATON('192.168.1.100'), 9001),
  (2, 1, INET_ATON('192.168.1.101'), 9002),
  (2, 1, INET_ATON('192.168.1.102'), 9003),
  (2, 1, INET_ATON('192.168.1.103'), 9004),
  (3, 1, INET_ATON('127.0.0.1'), 9001),
  (3, 1, INET_ATON('127.0.0.2'), 9002),
  (3, 1, INET_ATON('127.0.0.3'), 9003),
  (3, 1, INET_ATON('127.0.0.4'), 9004),
  (3, 1, INET_ATON('127.0.0.5'), 9005),
  (4, 1, INET_ATON('192.168.1.100'), 9001),
  (4, 1, INET_ATON('192.168.1.101'), 9002),
  (4, 1, INET_ATON('192.168.1.102'), 9003),
  (5, 1, INET_ATON('127.0.0.1'), 9001),
  (5, 1, INET_ATON('127.0.0.2'), 9002),
  (5, 1, INET_ATON('127.0.0.3'), 9003),
  (5, 1, INET_ATON('127.0.0.4'), 9004),
  (6, 1, INET_ATON('192.168.1.100'), 9001),
  (6, 1, INET_ATON('192.168.1.101'), 9002),
  (6, 1, INET_ATON('192.168.1.102'), 9003),
  (6, 1, INET_ATON('192.168.1.103'), 9004),
  (6, 1, INET_ATON('192.168.1.104'), 9005),
  (7, 1, INET_ATON('127.0.0.1'), 9001),
  (7, 1, INET_ATON('127.0.0.2'), 9002),
  (7, 1, INET_ATON('127.0.0.3'), 9003),
  (8, 1, INET_ATON('192.168.1.100'), 9001),
  (8, 1, INET_ATON('192.168.1.101'), 9002),
  (8, 1, INET_ATON('192.168.1.102'), 9003),
  (8, 1, INET_ATON('192.168.1.103'), 9004),
  (9, 1, INET_ATON('127.0.0.1'), 9001),
  (9, 1, INET_ATON('127.0.0.2'), 9002),
  (9, 1, INET_ATON('127.0.0.3'), 9003),
  (9, 1, INET_ATON('127.0.0.4'), 9004),
  (9, 1, INET_ATON('127.0.0.5'), 9005),
  (10, 1, INET_ATON('192.168.1.100'), 9001),
  (10, 1, INET_ATON('192.168.1.101'), 9002),
  (10, 1, INET_ATON('192.168.1.102'), 9003);

-- One RouteChange row per sample key, tagged with the new version.
INSERT INTO RouteChange (modid, cmdid, version)
SELECT DISTINCT d.modid, d.cmdid, v.version
  FROM RouteData d JOIN RouteVersion v ON v.id = 1
 WHERE d.modid BETWEEN 1 AND 10 AND d.cmdid = 1;

COMMIT;
