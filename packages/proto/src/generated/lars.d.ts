import * as $protobuf from "protobufjs";
/** Namespace lars. */
export namespace lars {

    /** MessageId enum. */
    enum MessageId {
        ID_UNKNOW = 0,
        ID_GetRouteRequest = 1,
        ID_GetRouteResponse = 2,
        ID_ReportStatusRequest = 3,
        ID_GetHostRequest = 4,
        ID_GetHostResponse = 5,
        ID_ReportRequest = 6,
        ID_API_GetRouteRequest = 7,
        ID_API_GetRouteResponse = 8
    }

    /** LarsRetCode enum. */
    enum LarsRetCode {
        RET_SUCC = 0,
        RET_OVERLOAD = 1,
        RET_SYSTEM_ERROR = 2,
        RET_NOEXIST = 3
    }

    /** Properties of a HostInfo. */
    interface IHostInfo {

        /** HostInfo ip */
        ip?: (number|null);

        /** HostInfo port */
        port?: (number|null);
    }

    /** Represents a HostInfo. */
    class HostInfo implements IHostInfo {

        /**
         * Constructs a new HostInfo.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IHostInfo);

        /** HostInfo ip. */
        public ip: number;

        /** HostInfo port. */
        public port: number;

        /**
         * Encodes the specified HostInfo message. Does not implicitly {@link lars.HostInfo.verify|verify} messages.
         * @param message HostInfo message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IHostInfo, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a HostInfo message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns HostInfo
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.HostInfo;
    }

    /** Properties of a GetRouteRequest. */
    interface IGetRouteRequest {

        /** GetRouteRequest modid */
        modid?: (number|null);

        /** GetRouteRequest cmdid */
        cmdid?: (number|null);
    }

    /** Represents a GetRouteRequest. */
    class GetRouteRequest implements IGetRouteRequest {

        /**
         * Constructs a new GetRouteRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IGetRouteRequest);

        /** GetRouteRequest modid. */
        public modid: number;

        /** GetRouteRequest cmdid. */
        public cmdid: number;

        /**
         * Encodes the specified GetRouteRequest message. Does not implicitly {@link lars.GetRouteRequest.verify|verify} messages.
         * @param message GetRouteRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IGetRouteRequest, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a GetRouteRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns GetRouteRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.GetRouteRequest;
    }

    /** Properties of a GetRouteResponse. */
    interface IGetRouteResponse {

        /** GetRouteResponse modid */
        modid?: (number|null);

        /** GetRouteResponse cmdid */
        cmdid?: (number|null);

        /** GetRouteResponse host */
        host?: (lars.IHostInfo[]|null);
    }

    /** Represents a GetRouteResponse. */
    class GetRouteResponse implements IGetRouteResponse {

        /**
         * Constructs a new GetRouteResponse.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IGetRouteResponse);

        /** GetRouteResponse modid. */
        public modid: number;

        /** GetRouteResponse cmdid. */
        public cmdid: number;

        /** GetRouteResponse host. */
        public host: lars.IHostInfo[];

        /**
         * Encodes the specified GetRouteResponse message. Does not implicitly {@link lars.GetRouteResponse.verify|verify} messages.
         * @param message GetRouteResponse message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IGetRouteResponse, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a GetRouteResponse message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns GetRouteResponse
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.GetRouteResponse;
    }

    /** Properties of a HostCallResult. */
    interface IHostCallResult {

        /** HostCallResult ip */
        ip?: (number|null);

        /** HostCallResult port */
        port?: (number|null);

        /** HostCallResult succ */
        succ?: (number|null);

        /** HostCallResult err */
        err?: (number|null);

        /** HostCallResult overload */
        overload?: (boolean|null);
    }

    /** Represents a HostCallResult. */
    class HostCallResult implements IHostCallResult {

        /**
         * Constructs a new HostCallResult.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IHostCallResult);

        /** HostCallResult ip. */
        public ip: number;

        /** HostCallResult port. */
        public port: number;

        /** HostCallResult succ. */
        public succ: number;

        /** HostCallResult err. */
        public err: number;

        /** HostCallResult overload. */
        public overload: boolean;

        /**
         * Encodes the specified HostCallResult message. Does not implicitly {@link lars.HostCallResult.verify|verify} messages.
         * @param message HostCallResult message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IHostCallResult, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a HostCallResult message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns HostCallResult
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.HostCallResult;
    }

    /** Properties of a ReportStatusRequest. */
    interface IReportStatusRequest {

        /** ReportStatusRequest modid */
        modid?: (number|null);

        /** ReportStatusRequest cmdid */
        cmdid?: (number|null);

        /** ReportStatusRequest caller */
        caller?: (number|null);

        /** ReportStatusRequest results */
        results?: (lars.IHostCallResult[]|null);

        /** ReportStatusRequest ts */
        ts?: (number|null);
    }

    /** Represents a ReportStatusRequest. */
    class ReportStatusRequest implements IReportStatusRequest {

        /**
         * Constructs a new ReportStatusRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IReportStatusRequest);

        /** ReportStatusRequest modid. */
        public modid: number;

        /** ReportStatusRequest cmdid. */
        public cmdid: number;

        /** ReportStatusRequest caller. */
        public caller: number;

        /** ReportStatusRequest results. */
        public results: lars.IHostCallResult[];

        /** ReportStatusRequest ts. */
        public ts: number;

        /**
         * Encodes the specified ReportStatusRequest message. Does not implicitly {@link lars.ReportStatusRequest.verify|verify} messages.
         * @param message ReportStatusRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IReportStatusRequest, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a ReportStatusRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns ReportStatusRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.ReportStatusRequest;
    }

    /** Properties of a GetHostRequest. */
    interface IGetHostRequest {

        /** GetHostRequest seq */
        seq?: (number|null);

        /** GetHostRequest modid */
        modid?: (number|null);

        /** GetHostRequest cmdid */
        cmdid?: (number|null);
    }

    /** Represents a GetHostRequest. */
    class GetHostRequest implements IGetHostRequest {

        /**
         * Constructs a new GetHostRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IGetHostRequest);

        /** GetHostRequest seq. */
        public seq: number;

        /** GetHostRequest modid. */
        public modid: number;

        /** GetHostRequest cmdid. */
        public cmdid: number;

        /**
         * Encodes the specified GetHostRequest message. Does not implicitly {@link lars.GetHostRequest.verify|verify} messages.
         * @param message GetHostRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IGetHostRequest, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a GetHostRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns GetHostRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.GetHostRequest;
    }

    /** Properties of a GetHostResponse. */
    interface IGetHostResponse {

        /** GetHostResponse seq */
        seq?: (number|null);

        /** GetHostResponse modid */
        modid?: (number|null);

        /** GetHostResponse cmdid */
        cmdid?: (number|null);

        /** GetHostResponse retcode */
        retcode?: (number|null);

        /** GetHostResponse host */
        host?: (lars.IHostInfo|null);
    }

    /** Represents a GetHostResponse. */
    class GetHostResponse implements IGetHostResponse {

        /**
         * Constructs a new GetHostResponse.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IGetHostResponse);

        /** GetHostResponse seq. */
        public seq: number;

        /** GetHostResponse modid. */
        public modid: number;

        /** GetHostResponse cmdid. */
        public cmdid: number;

        /** GetHostResponse retcode. */
        public retcode: number;

        /** GetHostResponse host. */
        public host?: (lars.IHostInfo|null);

        /**
         * Encodes the specified GetHostResponse message. Does not implicitly {@link lars.GetHostResponse.verify|verify} messages.
         * @param message GetHostResponse message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IGetHostResponse, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a GetHostResponse message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns GetHostResponse
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.GetHostResponse;
    }

    /** Properties of a ReportRequest. */
    interface IReportRequest {

        /** ReportRequest modid */
        modid?: (number|null);

        /** ReportRequest cmdid */
        cmdid?: (number|null);

        /** ReportRequest host */
        host?: (lars.IHostInfo|null);

        /** ReportRequest retcode */
        retcode?: (number|null);

        /** ReportRequest timecost */
        timecost?: (number|null);
    }

    /** Represents a ReportRequest. */
    class ReportRequest implements IReportRequest {

        /**
         * Constructs a new ReportRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: lars.IReportRequest);

        /** ReportRequest modid. */
        public modid: number;

        /** ReportRequest cmdid. */
        public cmdid: number;

        /** ReportRequest host. */
        public host?: (lars.IHostInfo|null);

        /** ReportRequest retcode. */
        public retcode: number;

        /** ReportRequest timecost. */
        public timecost: number;

        /**
         * Encodes the specified ReportRequest message. Does not implicitly {@link lars.ReportRequest.verify|verify} messages.
         * @param message ReportRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        public static encode(message: lars.IReportRequest, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a ReportRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns ReportRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): lars.ReportRequest;
    }
}
